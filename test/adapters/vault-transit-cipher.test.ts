/**
 * The Vault transit cipher at its HTTP seam, against an in-test stand-in
 * that answers like Vault's transit endpoints (not Vault): the exact requests
 * sent, and how Vault's answers and failures are mapped.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { associatedData } from "../../services/domain/associated-data.js";
import { BackendUnavailableError } from "../../services/domain/errors.js";
import { DecryptionFailedError, TenantKeyNotFoundError } from "../../services/ports/cipher.js";
import { VaultPermissionError } from "../../services/adapters/vault-transit/vault-errors.js";
import { vaultTransitPolicy } from "../../services/adapters/vault-transit/vault-policy.js";
import { vaultStandInPerTest } from "./vault-transit-stand-in.js";

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, "utf8"));
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64");
const binding = (secretId: string, version = 1) => associatedData({ tenantId: "acme", secretId, nameKey: "db", version });

const vault = vaultStandInPerTest();
const connect = vault.connect;

describe("VaultTransitCipher requests", () => {
  it("creates the tenant key with the documented parameters, idempotently, and checks its settings", async () => {
    const cipher = await connect();
    await cipher.createTenantKey("acme");
    await cipher.createTenantKey("acme");
    const creates = vault.standIn.requests.filter((r) => r.method === "POST" && r.path === "/v1/transit/keys/secrets-tenant-acme");
    expect(creates).toHaveLength(2);
    expect(creates[0]!.body).toEqual({ type: "aes256-gcm96", exportable: false, allow_plaintext_backup: false });
    expect(creates[0]!.headers["x-vault-token"]).toBe("test-root-token");
    expect(vault.standIn.keys.get("secrets-tenant-acme")?.latest_version).toBe(1);
  });

  it("refuses an existing key of that name that is exportable", async () => {
    const cipher = await connect();
    vault.standIn.keys.set("secrets-tenant-acme", {
      type: "aes256-gcm96",
      exportable: true,
      deletion_allowed: false,
      derived: false,
      latest_version: 1,
      min_decryption_version: 1,
      hmacSecrets: [],
    });
    await expect(cipher.createTenantKey("acme")).rejects.toThrow(/exportable=false/);
  });

  it("encrypts a whole batch in one request with base64 plaintext and associated data per item", async () => {
    const cipher = await connect({ mountPath: "/secrets-transit/", keyPrefix: "svc-" });
    vault.standIn.mount = "secrets-transit";
    await cipher.createTenantKey("acme");
    const sealed = await cipher.encrypt("acme", [
      { plaintext: utf8("hunter2"), associatedData: binding("sec_1") },
      { plaintext: new Uint8Array([0, 255, 10]), associatedData: binding("sec_2", 3) },
    ]);
    const encrypts = vault.standIn.requestsTo(/\/encrypt\//);
    expect(encrypts).toHaveLength(1);
    expect(encrypts[0]!.path).toBe("/v1/secrets-transit/encrypt/svc-acme");
    expect(encrypts[0]!.body).toEqual({
      batch_input: [
        { plaintext: b64(utf8("hunter2")), associated_data: b64(binding("sec_1")) },
        { plaintext: "AP8K", associated_data: b64(binding("sec_2", 3)) },
      ],
    });
    expect(sealed).toHaveLength(2);
    expect(Buffer.from(sealed[0]!.ciphertext).toString("utf8")).toMatch(/^vault:v1:/);
    expect(sealed[0]!.keyVersion).toBe(1);
  });

  it("decrypts a batch in one request, sending the stored vault:vN string and the associated data", async () => {
    const cipher = await connect();
    await cipher.createTenantKey("acme");
    const [a, b] = await cipher.encrypt("acme", [
      { plaintext: utf8("one"), associatedData: binding("sec_1") },
      { plaintext: utf8("two"), associatedData: binding("sec_2") },
    ]);
    const plaintexts = await cipher.decrypt("acme", [
      { ciphertext: a!.ciphertext, associatedData: binding("sec_1") },
      { ciphertext: b!.ciphertext, associatedData: binding("sec_2") },
    ]);
    expect(plaintexts.map((p) => Buffer.from(p).toString("utf8"))).toEqual(["one", "two"]);
    const decrypts = vault.standIn.requestsTo(/\/decrypt\//);
    expect(decrypts).toHaveLength(1);
    expect(decrypts[0]!.body.batch_input[0]).toEqual({
      ciphertext: Buffer.from(a!.ciphertext).toString("utf8"),
      associated_data: b64(binding("sec_1")),
    });
  });

  it("checks once that a tenant key exists before encrypting, so a token with create rights cannot upsert one", async () => {
    const cipher = await connect();
    vault.standIn.keys.set("secrets-tenant-acme", {
      type: "aes256-gcm96",
      exportable: false,
      deletion_allowed: false,
      derived: false,
      latest_version: 1,
      min_decryption_version: 1,
      hmacSecrets: [],
    });
    await cipher.encrypt("acme", [{ plaintext: utf8("a"), associatedData: binding("s") }]);
    await cipher.encrypt("acme", [{ plaintext: utf8("b"), associatedData: binding("s") }]);
    expect(vault.standIn.requests.filter((r) => r.method === "GET" && r.path === "/v1/transit/keys/secrets-tenant-acme")).toHaveLength(1);
    expect(vault.standIn.requestsTo(/\/encrypt\//)).toHaveLength(2);
  });

  it("sends nothing for an empty batch", async () => {
    const cipher = await connect();
    expect(await cipher.encrypt("acme", [])).toEqual([]);
    expect(await cipher.decrypt("acme", [])).toEqual([]);
    expect(vault.standIn.requestsTo(/crypt/)).toHaveLength(0);
  });

  it("rotates with the rotate endpoint and reads the latest version from the key", async () => {
    const cipher = await connect();
    await cipher.createTenantKey("acme");
    expect(await cipher.rotateTenantKey("acme")).toBe(2);
    expect(await cipher.latestKeyVersion("acme")).toBe(2);
    expect(vault.standIn.requestsTo(/\/rotate$/)[0]).toMatchObject({ method: "POST", path: "/v1/transit/keys/secrets-tenant-acme/rotate" });
    const [sealed] = await cipher.encrypt("acme", [{ plaintext: utf8("x"), associatedData: binding("sec_1") }]);
    expect(sealed!.keyVersion).toBe(2);
  });

  it("rewraps by default through one decrypt batch and one encrypt batch, keeping the associated data", async () => {
    const cipher = await connect();
    await cipher.createTenantKey("acme");
    const [old] = await cipher.encrypt("acme", [{ plaintext: utf8("v"), associatedData: binding("sec_1") }]);
    await cipher.rotateTenantKey("acme");
    const [rewrapped] = await cipher.rewrap("acme", [{ ciphertext: old!.ciphertext, associatedData: binding("sec_1") }]);
    expect(rewrapped!.keyVersion).toBe(2);
    expect(vault.standIn.requestsTo(/\/rewrap\//)).toHaveLength(0);
    const [plaintext] = await cipher.decrypt("acme", [{ ciphertext: rewrapped!.ciphertext, associatedData: binding("sec_1") }]);
    expect(Buffer.from(plaintext!).toString("utf8")).toBe("v");
  });

  it("can rewrap with Vault's rewrap endpoint, sending batch_input with associated data", async () => {
    vault.standIn.rewrapHonoursAssociatedData = true;
    const cipher = await connect({ rewrapMethod: "rewrap-endpoint" });
    await cipher.createTenantKey("acme");
    const [old] = await cipher.encrypt("acme", [{ plaintext: utf8("v"), associatedData: binding("sec_1") }]);
    await cipher.rotateTenantKey("acme");
    const [rewrapped] = await cipher.rewrap("acme", [{ ciphertext: old!.ciphertext, associatedData: binding("sec_1") }]);
    expect(rewrapped!.keyVersion).toBe(2);
    const rewraps = vault.standIn.requestsTo(/\/rewrap\//);
    expect(rewraps).toHaveLength(1);
    expect(rewraps[0]!.path).toBe("/v1/transit/rewrap/secrets-tenant-acme");
    expect(rewraps[0]!.body).toEqual({
      batch_input: [{ ciphertext: Buffer.from(old!.ciphertext).toString("utf8"), associated_data: b64(binding("sec_1")) }],
    });
    expect(vault.standIn.requestsTo(/\/decrypt\//)).toHaveLength(0);
  });

  it("retires versions by raising min_decryption_version through the key config, never lowering it", async () => {
    const cipher = await connect();
    await cipher.createTenantKey("acme");
    await cipher.rotateTenantKey("acme");
    expect(await cipher.minDecryptionVersion("acme")).toBe(1);
    expect(await cipher.retireKeyVersionsBelow("acme", 5)).toBe(2);
    expect(await cipher.retireKeyVersionsBelow("acme", 1)).toBe(2);
    expect(await cipher.minDecryptionVersion("acme")).toBe(2);
    const configs = vault.standIn.requestsTo(/\/config$/);
    expect(configs).toHaveLength(1);
    expect(configs[0]!.body).toEqual({ min_decryption_version: 2 });
  });
});

describe("VaultTransitCipher record authentication", () => {
  it("creates a separate records key and derives the tenant's MAC key from one hmac call under its version 1", async () => {
    const cipher = await connect();
    await cipher.createTenantKey("acme");
    expect(vault.standIn.keys.get("secrets-tenant-acme_records")).toMatchObject({ type: "aes256-gcm96", exportable: false });
    const first = await cipher.mac("acme", [utf8("a"), utf8("b")]);
    await cipher.rotateTenantKey("acme");
    const again = await cipher.mac("acme", [utf8("a")]);
    expect(Buffer.from(again[0]!).equals(Buffer.from(first[0]!))).toBe(true);
    const hmacs = vault.standIn.requestsTo(/\/hmac\//);
    expect(hmacs.map((r) => r.path)).toEqual(["/v1/transit/hmac/secrets-tenant-acme_records"]);
    expect(hmacs[0]!.body).toEqual({
      input: b64(utf8(JSON.stringify(["secrets.v1/record-authentication-key", "acme"]))),
      key_version: 1,
      algorithm: "sha2-256",
    });
  });

  it("derives the same key in another process, and none for a tenant without a records key", async () => {
    const [one, two] = [await connect(), await connect()];
    await one.createTenantKey("acme");
    const [a] = await one.mac("acme", [utf8("record")]);
    const [b] = await two.mac("acme", [utf8("record")]);
    expect(Buffer.from(a!).equals(Buffer.from(b!))).toBe(true);
    await expect(two.mac("ghost", [utf8("record")])).rejects.toBeInstanceOf(TenantKeyNotFoundError);
  });

  it("asks again after a failed derivation instead of caching the failure", async () => {
    const cipher = await connect();
    await cipher.createTenantKey("acme");
    vault.standIn.failNext("POST", "/v1/transit/hmac/secrets-tenant-acme_records", 503, { errors: ["Vault is sealed"] });
    await expect(cipher.mac("acme", [utf8("m")])).rejects.toBeInstanceOf(BackendUnavailableError);
    expect(await cipher.mac("acme", [utf8("m")])).toHaveLength(1);
  });
});

describe("VaultTransitCipher error mapping", () => {
  it("maps an item that fails authentication to DecryptionFailedError, with no value in the message", async () => {
    const cipher = await connect();
    await cipher.createTenantKey("acme");
    const [good, moved] = await cipher.encrypt("acme", [
      { plaintext: utf8("first-value"), associatedData: binding("sec_1") },
      { plaintext: utf8("second-value"), associatedData: binding("sec_2") },
    ]);
    const failure = await cipher
      .decrypt("acme", [
        { ciphertext: good!.ciphertext, associatedData: binding("sec_1") },
        { ciphertext: moved!.ciphertext, associatedData: binding("sec_9") },
      ])
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DecryptionFailedError);
    expect((failure as Error).message).toContain("ciphertext 1");
    expect((failure as Error).message).toContain("cipher: message authentication failed");
    // The 400 body held the first item's plaintext: it must not survive on the error.
    expect(JSON.stringify(failure)).not.toContain(b64(utf8("first-value")));
    expect((failure as Error).cause).toBeUndefined();
  });

  it("maps a ciphertext below min_decryption_version to DecryptionFailedError", async () => {
    const cipher = await connect();
    await cipher.createTenantKey("acme");
    const [old] = await cipher.encrypt("acme", [{ plaintext: utf8("v"), associatedData: binding("sec_1") }]);
    await cipher.rotateTenantKey("acme");
    await cipher.retireKeyVersionsBelow("acme", 2);
    await expect(cipher.decrypt("acme", [{ ciphertext: old!.ciphertext, associatedData: binding("sec_1") }])).rejects.toBeInstanceOf(
      DecryptionFailedError,
    );
  });

  it("maps an unknown key to TenantKeyNotFoundError on every operation", async () => {
    const cipher = await connect();
    const item = { plaintext: utf8("v"), associatedData: binding("sec_1") };
    await expect(cipher.encrypt("ghost", [item])).rejects.toBeInstanceOf(TenantKeyNotFoundError);
    await expect(cipher.decrypt("ghost", [{ ciphertext: utf8("vault:v1:AAAA"), associatedData: binding("sec_1") }])).rejects.toBeInstanceOf(
      TenantKeyNotFoundError,
    );
    await expect(cipher.latestKeyVersion("ghost")).rejects.toBeInstanceOf(TenantKeyNotFoundError);
    await expect(cipher.rotateTenantKey("ghost")).rejects.toBeInstanceOf(TenantKeyNotFoundError);
  });

  it("maps a sealed Vault to BackendUnavailableError, in calls and in ping", async () => {
    const cipher = await connect();
    await cipher.createTenantKey("acme");
    vault.standIn.sealed = true;
    await expect(cipher.encrypt("acme", [{ plaintext: utf8("v"), associatedData: binding("s") }])).rejects.toBeInstanceOf(
      BackendUnavailableError,
    );
    await expect(cipher.ping()).rejects.toThrow(/sealed/);
    vault.standIn.sealed = false;
    await expect(cipher.ping()).resolves.toBeUndefined();
  });

  it("maps a refused connection to BackendUnavailableError, without the request body", async () => {
    const cipher = await connect();
    await vault.standIn.stop();
    const failure = await cipher
      .encrypt("acme", [{ plaintext: utf8("do-not-leak"), associatedData: binding("s") }])
      .catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(BackendUnavailableError);
    expect((failure as Error).message).toMatch(/ECONNRESET|ECONNREFUSED/);
    expect((failure as Error).cause).toBeUndefined();
    expect(JSON.stringify(failure)).not.toContain(b64(utf8("do-not-leak")));
  });

  it("fails to connect with BackendUnavailableError when nothing listens at the address", async () => {
    await vault.standIn.stop();
    await expect(connect()).rejects.toThrow(/vault unavailable: ECONNREFUSED/);
  });

  it("maps 403 to an error naming the capability and path the policy lacks, never the token", async () => {
    const cipher = await connect();
    await cipher.createTenantKey("acme");
    vault.standIn.failNext("POST", "/v1/transit/keys/secrets-tenant-acme/rotate", 403, {
      errors: ["1 error occurred:\n\t* permission denied\n\n"],
    });
    const failure = await cipher.rotateTenantKey("acme").catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(VaultPermissionError);
    expect((failure as Error).message).toContain('"update"');
    expect((failure as Error).message).toContain('"transit/keys/secrets-tenant-acme/rotate"');
    expect((failure as Error).message).not.toContain("test-root-token");
  });

  it("fails to connect with a token Vault does not accept", async () => {
    await expect(connect({ auth: { method: "token", token: "wrong" } })).rejects.toBeInstanceOf(VaultPermissionError);
  });
});

describe("VaultTransitCipher AppRole auth", () => {
  function credentialFiles(roleId: string, secretId: string) {
    const dir = mkdtempSync(join(tmpdir(), "approle-"));
    writeFileSync(join(dir, "role-id"), `${roleId}\n`);
    writeFileSync(join(dir, "secret-id"), `${secretId}\n`);
    return { method: "approle" as const, roleIdFile: join(dir, "role-id"), secretIdFile: join(dir, "secret-id") };
  }

  it("logs in with the role id and secret id from files and uses the issued token", async () => {
    const cipher = await connect({ auth: credentialFiles("role-123", "secret-456") });
    await cipher.createTenantKey("acme");
    const login = vault.standIn.requestsTo(/\/auth\/approle\/login$/);
    expect(login).toHaveLength(1);
    expect(login[0]!.body).toEqual({ role_id: "role-123", secret_id: "secret-456" });
    expect(vault.standIn.requestsTo(/\/keys\//)[0]!.headers["x-vault-token"]).toBe("login-token-1");
  });

  it("renews the token before its TTL runs out, then logs in again once renewal is capped", async () => {
    vault.standIn.loginLease = { lease_duration: 1, renewable: true };
    vault.standIn.renewLease = { lease_duration: 1, renewable: true };
    await connect({ auth: credentialFiles("role-123", "secret-456"), renewFraction: 0.3 });
    await vi.waitFor(() => expect(vault.standIn.requestsTo(/\/auth\/token\/renew-self$/).length).toBeGreaterThanOrEqual(1), {
      timeout: 3000,
    });
    expect(vault.standIn.requestsTo(/\/auth\/token\/renew-self$/)[0]!.headers["x-vault-token"]).toBe("login-token-1");
    expect(vault.standIn.requestsTo(/\/auth\/approle\/login$/)).toHaveLength(1);

    vault.standIn.renewLease = { lease_duration: 0, renewable: false };
    await vi.waitFor(() => expect(vault.standIn.requestsTo(/\/auth\/approle\/login$/).length).toBeGreaterThanOrEqual(2), {
      timeout: 3000,
    });
  });

  it("logs in again and retries once when Vault answers 403 (an expired token)", async () => {
    const cipher = await connect({ auth: credentialFiles("role-123", "secret-456") });
    vault.standIn.validTokens.delete("login-token-1");
    await cipher.createTenantKey("acme");
    expect(vault.standIn.requestsTo(/\/auth\/approle\/login$/)).toHaveLength(2);
    expect(vault.standIn.keys.has("secrets-tenant-acme")).toBe(true);
  });

  it("refuses to start with wrong AppRole credentials", async () => {
    await expect(connect({ auth: credentialFiles("role-123", "nope") })).rejects.toThrow(/invalid role or secret ID/);
  });
});

describe("vaultTransitPolicy", () => {
  it("grants update (never create) on the value endpoints and create/read/update on the keys, for the configured mount and prefix", () => {
    const policy = vaultTransitPolicy({ mountPath: "kms/", keyPrefix: "svc-" });
    expect(policy).toContain('path "kms/encrypt/svc-*" {\n  capabilities = ["update"]\n}');
    expect(policy).toContain('path "kms/decrypt/svc-*" {\n  capabilities = ["update"]\n}');
    expect(policy).toContain('path "kms/rewrap/svc-*" {\n  capabilities = ["update"]\n}');
    expect(policy).toContain('path "kms/keys/svc-*" {\n  capabilities = ["create", "read", "update"]\n}');
    expect(policy).toContain('path "kms/keys/svc-*/rotate"');
    expect(policy).toContain('path "kms/keys/svc-*/config"');
    expect(policy).not.toMatch(/delete|sudo|export/);
  });
});

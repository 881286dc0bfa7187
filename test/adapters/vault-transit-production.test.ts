/**
 * What a first real Vault deployment meets, reproduced at the transit
 * cipher's HTTP seam with the stand-in answering as Vault documents it:
 * token files rewritten by Vault Agent, bursts of 403s, per-item batch errors
 * under HTTP 200, a wrong mount path, a proxy in front of Vault, TLS settings
 * from the environment, and key names Vault refuses.
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { associatedData } from "../../services/domain/associated-data.js";
import { BackendMisconfiguredError, BackendUnavailableError } from "../../services/domain/errors.js";
import { DecryptionFailedError, TenantKeyNotFoundError } from "../../services/ports/cipher.js";
import { VaultPermissionError } from "../../services/adapters/vault-transit/vault-errors.js";
import { vaultTransitPolicy } from "../../services/adapters/vault-transit/vault-policy.js";
import { VaultTransitCipher } from "../../services/adapters/vault-transit/vault-transit-cipher.js";
import { makeTestCertificates } from "../support/certificates.js";
import { vaultStandInPerTest } from "./vault-transit-stand-in.js";

const utf8 = (text: string) => new Uint8Array(Buffer.from(text, "utf8"));
const binding = (secretId: string) => associatedData({ tenantId: "acme", secretId, nameKey: "db", version: 1 });

const vault = vaultStandInPerTest();
const connect = vault.connect;

function scratchDir(): string {
  return mkdtempSync(join(tmpdir(), "vault-prod-"));
}

function approleFiles() {
  const dir = scratchDir();
  writeFileSync(join(dir, "role-id"), "role-123\n");
  writeFileSync(join(dir, "secret-id"), "secret-456\n");
  return { method: "approle" as const, roleIdFile: join(dir, "role-id"), secretIdFile: join(dir, "secret-id") };
}

describe("a Vault token from a file (Vault Agent sink)", () => {
  function agentSink(token: string): string {
    const file = join(scratchDir(), "token");
    writeFileSync(file, `${token}\n`);
    return file;
  }

  it("re-reads the token file after a 403 and retries with the token Vault Agent wrote there", async () => {
    const tokenFile = agentSink("test-root-token");
    const cipher = await connect({ auth: { method: "token-file", tokenFile } });
    await cipher.createTenantKey("acme");
    // Agent re-authenticated: the old token is gone, the sink holds a new one.
    vault.standIn.validTokens.delete("test-root-token");
    vault.standIn.validTokens.add("agent-token-2");
    writeFileSync(tokenFile, "agent-token-2\n");
    const [sealed] = await cipher.encrypt("acme", [{ plaintext: utf8("v"), associatedData: binding("s1") }]);
    expect(sealed!.keyVersion).toBe(1);
    expect(vault.standIn.requestsTo(/\/encrypt\//).at(-1)!.headers["x-vault-token"]).toBe("agent-token-2");
  });

  it("renews the token found in the file, not the one read at start", async () => {
    vault.standIn.lookupLease = { ttl: 1, renewable: true };
    vault.standIn.renewLease = { lease_duration: 1, renewable: true };
    const tokenFile = agentSink("test-root-token");
    await connect({ auth: { method: "token-file", tokenFile }, renewFraction: 0.3 });
    vault.standIn.validTokens.add("agent-token-2");
    writeFileSync(tokenFile, "agent-token-2\n");
    await vi.waitFor(
      () =>
        expect(vault.standIn.requestsTo(/\/auth\/token\/renew-self$/).map((r) => r.headers["x-vault-token"])).toContain("agent-token-2"),
      { timeout: 5000 },
    );
    expect(vault.standIn.requestsTo(/\/auth\/token\/renew-self$/).map((r) => r.headers["x-vault-token"])).not.toContain("test-root-token");
  });

  it("answers 403 with the policy's missing capability when the file still holds the refused token", async () => {
    const cipher = await connect({ auth: { method: "token-file", tokenFile: agentSink("test-root-token") } });
    vault.standIn.validTokens.delete("test-root-token");
    await expect(cipher.createTenantKey("acme")).rejects.toBeInstanceOf(VaultPermissionError);
  });
});

describe("AppRole re-login", () => {
  it("shares one login among concurrent calls that get 403", async () => {
    const cipher = await connect({ auth: approleFiles() });
    await cipher.createTenantKey("acme");
    // The token expired in Vault (its lookup-self answers 403 too).
    vault.standIn.validTokens.delete("login-token-1");
    const requests = Array.from({ length: 8 }, (_, i) => ({ plaintext: utf8(`v${i}`), associatedData: binding(`s${i}`) }));
    await Promise.all(requests.map((request) => cipher.encrypt("acme", [request])));
    expect(vault.standIn.requestsTo(/\/auth\/approle\/login$/)).toHaveLength(2);
    expect(vault.standIn.requestsTo(/\/auth\/token\/lookup-self$/)).toHaveLength(1);
  });

  it("revokes the token a fresh login replaces", async () => {
    vault.standIn.loginLease = { lease_duration: 1, renewable: false };
    await connect({ auth: approleFiles(), renewFraction: 0.3 });
    await vi.waitFor(() => expect(vault.standIn.validTokens.has("login-token-1")).toBe(false), { timeout: 5000 });
    expect(vault.standIn.requestsTo(/\/auth\/token\/revoke-self$/)[0]!.headers["x-vault-token"]).toBe("login-token-1");
    expect(vault.standIn.validTokens.has("login-token-2")).toBe(true);
  });

  it("does not log in again when the token is valid and the policy denies the path", async () => {
    const cipher = await connect({ auth: approleFiles() });
    await cipher.createTenantKey("acme");
    vault.standIn.failNext("POST", "/v1/transit/encrypt/secrets-tenant-acme", 403, {
      errors: ["1 error occurred:\n\t* permission denied\n\n"],
    });
    await expect(cipher.encrypt("acme", [{ plaintext: utf8("v"), associatedData: binding("s1") }])).rejects.toBeInstanceOf(
      VaultPermissionError,
    );
    expect(vault.standIn.requestsTo(/\/auth\/approle\/login$/)).toHaveLength(1);
    expect(vault.standIn.requestsTo(/\/auth\/token\/lookup-self$/)).toHaveLength(1);
  });

  it("revokes its own AppRole token on close", async () => {
    const cipher = await connect({ auth: approleFiles() });
    await cipher.close();
    expect(vault.standIn.validTokens.has("login-token-1")).toBe(false);
  });
});

describe("batch answers with HTTP 200", () => {
  it("fails a decrypt batch when Vault answers 200 with an item's error set (associated data on a non-AEAD key)", async () => {
    const cipher = await connect();
    await cipher.createTenantKey("acme");
    const [sealed] = await cipher.encrypt("acme", [{ plaintext: utf8("opened-value"), associatedData: binding("s1") }]);
    vault.standIn.failNext("POST", "/v1/transit/decrypt/secrets-tenant-acme", 200, {
      data: { batch_results: [{ plaintext: Buffer.from("opened-value").toString("base64") }, { error: "invalid ciphertext: no prefix" }] },
    });
    const open = { ciphertext: sealed!.ciphertext, associatedData: binding("s1") };
    const failure = await cipher.decrypt("acme", [open, open]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(DecryptionFailedError);
    expect((failure as Error).message).toContain("ciphertext 1 of the batch did not open");
    expect((failure as Error).message).not.toContain("opened-value");
  });

  it("fails a rewrap batch when Vault answers 200 with an item's error set, as its rewrap always does", async () => {
    const cipher = await connect({ rewrapMethod: "rewrap-endpoint" });
    await cipher.createTenantKey("acme");
    const [sealed] = await cipher.encrypt("acme", [{ plaintext: utf8("v"), associatedData: binding("s1") }]);
    vault.standIn.failNext("POST", "/v1/transit/rewrap/secrets-tenant-acme", 200, {
      data: { batch_results: [{ error: "cipher: message authentication failed" }] },
    });
    await expect(cipher.rewrap("acme", [{ ciphertext: sealed!.ciphertext, associatedData: binding("s1") }])).rejects.toBeInstanceOf(
      DecryptionFailedError,
    );
  });

  it("maps a 200 batch item saying the key is missing to TenantKeyNotFoundError", async () => {
    const cipher = await connect();
    await cipher.createTenantKey("acme");
    vault.standIn.failNext("POST", "/v1/transit/encrypt/secrets-tenant-acme", 200, {
      data: { batch_results: [{ error: "encryption key not found" }] },
    });
    await expect(cipher.encrypt("acme", [{ plaintext: utf8("v"), associatedData: binding("s1") }])).rejects.toBeInstanceOf(
      TenantKeyNotFoundError,
    );
  });
});

describe("Vault's answers that name the wrong problem", () => {
  it("names the update capability when Vault refuses to create a tenant key (the keys path has no existence check)", async () => {
    const cipher = await connect();
    vault.standIn.failNext("POST", "/v1/transit/keys/secrets-tenant-acme", 403, { errors: ["permission denied"] });
    const failure = await cipher.createTenantKey("acme").catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(VaultPermissionError);
    expect((failure as VaultPermissionError).call.capability).toBe("update");
  });

  it("reports a wrong mount path (Vault's 'no handler for route' 404) as misconfiguration, not a missing tenant key", async () => {
    const cipher = await connect({ mountPath: "transit-typo" });
    vault.standIn.failNext("GET", "/v1/transit-typo/keys/secrets-tenant-acme", 404, {
      errors: ['no handler for route "transit-typo/keys/secrets-tenant-acme". route entry not found.'],
    });
    const failure = await cipher.latestKeyVersion("acme").catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(BackendMisconfiguredError);
    expect((failure as Error).message).toContain("--vault-mount");
    vault.standIn.failNext("GET", "/v1/transit-typo/keys/secrets-tenant-acme", 404, { errors: [] });
    await expect(cipher.latestKeyVersion("acme")).rejects.toBeInstanceOf(TenantKeyNotFoundError);
  });

  it("reports unavailable when sys/health answers with something other than Vault's health body (a proxy's 502)", async () => {
    const cipher = await connect();
    vault.standIn.failNext("GET", "/v1/sys/health", 502, "<html><body>502 Bad Gateway</body></html>");
    await expect(cipher.ping()).rejects.toBeInstanceOf(BackendUnavailableError);
    vault.standIn.failNext("GET", "/v1/sys/health", 200, {});
    await expect(cipher.ping()).rejects.toBeInstanceOf(BackendUnavailableError);
    await expect(cipher.ping()).resolves.toBeUndefined();
  });

  it("sends the configured namespace as X-Vault-Namespace", async () => {
    await connect({ namespace: "team-a" });
    expect(vault.standIn.requestsTo(/lookup-self$/)[0]!.headers["x-vault-namespace"]).toBe("team-a");
  });
});

describe("transit key names", () => {
  it("refuses a key prefix that would make names Vault rejects, before any request", async () => {
    for (const keyPrefix of ["-tenant-", "tenant/", "tenant key "])
      await expect(connect({ keyPrefix })).rejects.toThrow(/transit key prefix/);
    expect(() => vaultTransitPolicy({ keyPrefix: "tenant/" })).toThrow(/transit key prefix/);
    expect(vault.standIn.requests).toHaveLength(0);
    await expect(connect({ keyPrefix: "" })).resolves.toBeInstanceOf(VaultTransitCipher);
  });
});

describe("TLS to Vault", () => {
  const certificates = makeTestCertificates(scratchDir());
  let saved: string | undefined;

  beforeEach(async () => {
    await vault.serveTls({ cert: certificates.pem("server.crt"), key: certificates.pem("server.key") });
    saved = process.env.VAULT_SKIP_VERIFY;
  });

  afterEach(() => {
    if (saved === undefined) delete process.env.VAULT_SKIP_VERIFY;
    else process.env.VAULT_SKIP_VERIFY = saved;
  });

  it("verifies Vault's certificate even when VAULT_SKIP_VERIFY is set (node-vault reads 'false' as true)", async () => {
    process.env.VAULT_SKIP_VERIFY = "false";
    await expect(connect()).rejects.toThrow(/certificate/i);
    expect(vault.standIn.requests).toHaveLength(0);
    await expect(connect({ caFile: certificates.path("ca.crt") })).resolves.toBeInstanceOf(VaultTransitCipher);
  });
});

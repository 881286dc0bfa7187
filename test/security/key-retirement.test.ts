/**
 * Issue 9 item 12: after RotateTenantKey and a complete rewrap, the old key
 * versions are retired, so a ciphertext sealed with one (an old backup, a
 * copied row) no longer opens; while the rewrap is incomplete they still do.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { RotateTenantKeyResponse } from "../../gen/secrets/v1/admin_service_pb.js";
import { Role, SecretType } from "../../gen/secrets/v1/types_pb.js";
import { VaultTransitCipher } from "../../services/adapters/vault-transit/vault-transit-cipher.js";
import { SqliteMetadataStore } from "../../services/adapters/sqlite/sqlite-metadata-store.js";
import { REWRAP_BATCH_SIZE, rotateTenantKey, type RotationProgress } from "../../services/admin/key-rotation.js";
import { associatedData } from "../../services/domain/associated-data.js";
import { DecryptionFailedError } from "../../services/ports/cipher.js";
import { VaultTransitStandIn } from "../adapters/vault-transit-stand-in.js";
import { connectClients, startTestService, type TestService } from "../support/service.js";
import { openEmbeddedBackends } from "./embedded-backends.js";
import { editStoreFile } from "./store-file.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function drain(stream: AsyncIterable<RotateTenantKeyResponse>): Promise<RotateTenantKeyResponse> {
  let last: RotateTenantKeyResponse | undefined;
  for await (const progress of stream) last = progress;
  return last!;
}

describe("key retirement over gRPC", () => {
  it("a ciphertext sealed with a retired version, put back into its row, no longer opens", async () => {
    let svc: TestService = await startTestService();
    const dataDir = svc.dataDir;
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    cleanups.push(() => svc.stop());
    const admin = connectClients(svc.address, svc.adminToken);
    await admin.secrets.createSecret({ name: "ROTATED", type: SecretType.TOKEN, value: { kind: { case: "token", value: "old-value" } } });
    const workloadToken = (await admin.admin.createApiToken({ displayName: "w", role: Role.WORKLOAD, allowedSecretPatterns: ["ROTATED"] }))
      .tokenSecret;
    const resolve = () => connectClients(svc.address, workloadToken).resolver.resolveSecrets({ references: ["$<secret.ROTATED>"] });

    await svc.stop();
    const stolen = editStoreFile(dataDir, (db) =>
      db.prepare<[], { ciphertext: Buffer; key_version: number }>("SELECT ciphertext, key_version FROM secret_versions").get(),
    )!;
    expect(stolen.key_version).toBe(1);

    svc = await startTestService({ dataDir });
    const last = await drain(connectClients(svc.address, svc.adminToken).admin.rotateTenantKey({}));
    expect(last).toMatchObject({ keyVersion: 2, done: true, minDecryptionVersion: 2, remaining: 0n });
    expect((await resolve()).values[0]!.value).toBe("old-value");

    await svc.stop();
    editStoreFile(dataDir, (db) => db.prepare("UPDATE secret_versions SET ciphertext = ?, key_version = 1").run(stolen.ciphertext));
    svc = await startTestService({ dataDir });
    const failure = await resolve().then(
      () => undefined,
      (e: unknown) => ConnectError.from(e),
    );
    expect(failure?.code).toBe(Code.DataLoss);
  });
});

describe("key retirement at the rotation seam (SQLite + local keyring)", () => {
  const open = () => openEmbeddedBackends("acme", cleanups);

  it("retires nothing while a rewrap is incomplete, and everything below once it is complete", async () => {
    const { store, cipher } = await open();
    const now = new Date();
    // More secrets than one rewrap batch, so an abort after the first batch leaves some behind.
    const sealedFirst = [];
    for (let i = 0; i < REWRAP_BATCH_SIZE + 5; i++) {
      const id = `sec_${i}`;
      const name = `S_${i}`;
      const aad = associatedData({ tenantId: "acme", secretId: id, nameKey: name.toLowerCase(), version: 1 });
      const [sealed] = await cipher.encrypt("acme", [{ plaintext: Buffer.from(`value-${i}`), associatedData: aad }]);
      sealedFirst.push({ ciphertext: sealed!.ciphertext, associatedData: aad });
      await store.createSecret(
        {
          tenantId: "acme",
          id,
          name,
          nameKey: name.toLowerCase(),
          displayName: "",
          description: "",
          labels: {},
          type: "TOKEN",
          createTime: now,
        },
        { version: 1, createTime: now, createdBy: "test", ...sealed! },
      );
    }

    const abort = new AbortController();
    const partial: RotationProgress[] = [];
    for await (const progress of rotateTenantKey(store, cipher, "acme", abort.signal)) {
      partial.push(progress);
      if (progress.rewrapped > 0) abort.abort();
    }
    expect(partial.at(-1)).toMatchObject({ keyVersion: 2, done: true, minDecryptionVersion: 1, remaining: 5 });
    // The first version still opens what has not been rewrapped yet.
    expect(await cipher.decrypt("acme", sealedFirst)).toHaveLength(sealedFirst.length);

    const complete: RotationProgress[] = [];
    for await (const progress of rotateTenantKey(store, cipher, "acme", new AbortController().signal)) complete.push(progress);
    expect(complete.at(-1)).toMatchObject({ keyVersion: 3, done: true, minDecryptionVersion: 3, remaining: 0 });
    await expect(cipher.decrypt("acme", [sealedFirst[0]!])).rejects.toBeInstanceOf(DecryptionFailedError);
  });
});

describe("key retirement at the rotation seam (SQLite + Vault transit stand-in)", () => {
  it("raises min_decryption_version only once the rewrap is complete", async () => {
    const standIn = new VaultTransitStandIn();
    const address = await standIn.start();
    const dir = await mkdtemp(join(tmpdir(), "key-retirement-vault-"));
    const store = SqliteMetadataStore.open(join(dir, "secrets.db"));
    const cipher = await VaultTransitCipher.connect({ address, auth: { method: "token", token: "test-root-token" } });
    cleanups.push(async () => {
      await cipher.close();
      await store.close();
      await standIn.stop();
      await rm(dir, { recursive: true, force: true });
    });
    await cipher.createTenantKey("acme");
    const aad = associatedData({ tenantId: "acme", secretId: "sec_1", nameKey: "db", version: 1 });
    const [sealed] = await cipher.encrypt("acme", [{ plaintext: Buffer.from("v"), associatedData: aad }]);
    const now = new Date();
    await store.createSecret(
      {
        tenantId: "acme",
        id: "sec_1",
        name: "DB",
        nameKey: "db",
        displayName: "",
        description: "",
        labels: {},
        type: "TOKEN",
        createTime: now,
      },
      { version: 1, createTime: now, createdBy: "test", ...sealed! },
    );
    const old = [{ ciphertext: sealed!.ciphertext, associatedData: aad }];

    // Interrupted before any rewrap: nothing retired, the old version still opens.
    const abort = new AbortController();
    let last: RotationProgress | undefined;
    for await (const progress of rotateTenantKey(store, cipher, "acme", abort.signal)) {
      abort.abort();
      last = progress;
    }
    expect(last).toMatchObject({ keyVersion: 2, done: true, minDecryptionVersion: 1, remaining: 1 });
    expect(standIn.requestsTo(/\/config$/)).toHaveLength(0);
    expect(await cipher.decrypt("acme", old)).toHaveLength(1);

    for await (const progress of rotateTenantKey(store, cipher, "acme", new AbortController().signal)) last = progress;
    expect(last).toMatchObject({ keyVersion: 3, done: true, minDecryptionVersion: 3, remaining: 0 });
    expect(standIn.requestsTo(/\/config$/).map((r) => r.body)).toEqual([{ min_decryption_version: 3 }]);
    await expect(cipher.decrypt("acme", old)).rejects.toBeInstanceOf(DecryptionFailedError);
  });
});

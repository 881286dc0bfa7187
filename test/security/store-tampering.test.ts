/**
 * Issue 9 item 8: write access to the metadata store alone must grant
 * nothing and reveal nothing. Each attack is the one reported: with the
 * service stopped, the SQLite file is edited directly (as anyone who can
 * write the database could), then the service is started again and called
 * over real gRPC on loopback. Every tampered row is refused, logged without
 * values, and never served.
 */
import { Code } from "@connectrpc/connect";
import { createHash } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { Role, SecretType } from "../../gen/secrets/v1/types_pb.js";
import { errorOf } from "../support/call-status.js";
import { connectClients, startTestService, type TestService } from "../support/service.js";
import { editStoreFile } from "./store-file.js";

const running: TestService[] = [];
afterEach(async () => {
  for (const svc of running.splice(0).reverse()) await svc.cleanup();
});

/** A service with APP_DB (granted to the workload) and ADMIN_ONLY (not granted), then stopped. */
async function stoppedServiceWithSecrets() {
  const svc = await startTestService();
  running.push(svc);
  const admin = connectClients(svc.address, svc.adminToken);
  const create = (name: string, value: string) =>
    admin.secrets.createSecret({ name, type: SecretType.TOKEN, value: { kind: { case: "token", value } } });
  await create("APP_DB", "app-db-v1");
  await admin.secrets.updateSecretValue({ name: "APP_DB", value: { kind: { case: "token", value: "app-db-v2" } } });
  await create("ADMIN_ONLY", "admin-only-value");
  const { tokenSecret: workloadToken, apiToken } = await admin.admin.createApiToken({
    displayName: "app",
    role: Role.WORKLOAD,
    allowedSecretPatterns: ["APP_*"],
  });
  await svc.stop();
  return { dataDir: svc.dataDir, workloadToken, workloadTokenId: apiToken!.id, adminToken: svc.adminToken };
}

async function restart(dataDir: string): Promise<TestService> {
  const svc = await startTestService({ dataDir });
  running.push(svc);
  return svc;
}

const resolve = (svc: TestService, token: string, reference: string) =>
  connectClients(svc.address, token).resolver.resolveSecrets({ references: [reference] });

function expectNoValueIn(svc: TestService, ...values: string[]) {
  for (const value of values) expect(svc.logs().includes(value), "a value reached the log").toBe(false);
}

describe("a database writer cannot", () => {
  it("mint a token by inserting an api_tokens row", async () => {
    const { dataDir } = await stoppedServiceWithSecrets();
    const chosen = "sst_chosen-by-the-attacker";
    editStoreFile(dataDir, (db) => {
      db.prepare(
        `INSERT INTO api_tokens (tenant_id, id, hash, display_name, role, allowed_secret_patterns, create_time, created_by)
         VALUES ('default', 'tok_forged', ?, 'forged', 'WORKLOAD', '["*"]', 0, '')`,
      ).run(createHash("sha256").update(chosen).digest("hex"));
    });
    const svc = await restart(dataDir);
    const failure = await errorOf(resolve(svc, chosen, "$<secret.ADMIN_ONLY>"));
    expect(failure?.code).toBe(Code.Unauthenticated);
    expect(svc.logs()).toMatch(/"record":"api token".*"recordId":"tok_forged".*integrity check/);
    expectNoValueIn(svc, "admin-only-value", chosen);
  });

  it("widen a real token's grant, or un-revoke it", async () => {
    const { dataDir, workloadToken, workloadTokenId, adminToken } = await stoppedServiceWithSecrets();
    editStoreFile(dataDir, (db) => db.prepare(`UPDATE api_tokens SET allowed_secret_patterns = '["*"]' WHERE id = ?`).run(workloadTokenId));
    let svc = await restart(dataDir);
    expect((await errorOf(resolve(svc, workloadToken, "$<secret.ADMIN_ONLY>")))?.code).toBe(Code.Unauthenticated);

    // Put the grant back, revoke through the API, then clear the revocation in the file.
    await svc.stop();
    editStoreFile(dataDir, (db) =>
      db.prepare(`UPDATE api_tokens SET allowed_secret_patterns = '["APP_*"]' WHERE id = ?`).run(workloadTokenId),
    );
    svc = await restart(dataDir);
    expect((await resolve(svc, workloadToken, "$<secret.APP_DB>")).values[0]?.value).toBe("app-db-v2");
    await connectClients(svc.address, adminToken).admin.revokeApiToken({ tokenId: workloadTokenId });
    await svc.stop();
    editStoreFile(dataDir, (db) => db.prepare("UPDATE api_tokens SET revoke_time = NULL WHERE id = ?").run(workloadTokenId));
    svc = await restart(dataDir);
    expect((await errorOf(resolve(svc, workloadToken, "$<secret.APP_DB>")))?.code).toBe(Code.Unauthenticated);
  });

  it("hand a workload a secret it may not read by renaming it to a granted name", async () => {
    const { dataDir, workloadToken } = await stoppedServiceWithSecrets();
    editStoreFile(dataDir, (db) => {
      db.prepare("DELETE FROM secrets WHERE name_key = 'app_db'").run();
      db.prepare("UPDATE secrets SET name = 'APP_DB', name_key = 'app_db' WHERE name_key = 'admin_only'").run();
    });
    const svc = await restart(dataDir);
    const failure = await errorOf(resolve(svc, workloadToken, "$<secret.APP_DB>"));
    expect(failure?.code).toBe(Code.DataLoss);
    expect(svc.logs()).toMatch(/"record":"secret".*"failure":"identity".*integrity check/);
    expectNoValueIn(svc, "admin-only-value");
  });

  it("make a secret serve an old value by setting its version back to 1", async () => {
    const { dataDir, workloadToken } = await stoppedServiceWithSecrets();
    editStoreFile(dataDir, (db) => db.prepare("UPDATE secrets SET version = 1 WHERE name_key = 'app_db'").run());
    const svc = await restart(dataDir);
    const failure = await errorOf(resolve(svc, workloadToken, "$<secret.APP_DB>"));
    expect(failure?.code).toBe(Code.DataLoss);
    expect(svc.logs()).toMatch(/"failure":"version"/);
    expectNoValueIn(svc, "app-db-v1", "app-db-v2");
  });

  it("restore an archived secret by editing its state", async () => {
    const { dataDir, workloadToken, adminToken } = await stoppedServiceWithSecrets();
    let svc = await restart(dataDir);
    await connectClients(svc.address, adminToken).secrets.archiveSecret({ name: "APP_DB" });
    await svc.stop();
    editStoreFile(dataDir, (db) => db.prepare("UPDATE secrets SET state = 'ACTIVE', archive_time = NULL WHERE name_key = 'app_db'").run());
    svc = await restart(dataDir);
    expect((await errorOf(resolve(svc, workloadToken, "$<secret.APP_DB>")))?.code).toBe(Code.DataLoss);
  });

  it("make a store the service trusts: one without MACs (an earlier release's) is refused at start", async () => {
    const { dataDir } = await stoppedServiceWithSecrets();
    editStoreFile(dataDir, (db) => db.prepare("UPDATE tenants SET mac = NULL").run());
    await expect(startTestService({ dataDir })).rejects.toThrow(/tenant record failed its integrity check \(it has no MAC/);
  });
});

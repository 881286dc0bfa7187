/**
 * Stop and start the service on the same data directory: secrets, versions,
 * consumers, tokens and the audit trail are all still there, and values
 * still resolve (the keyring and master key were reloaded, not regenerated).
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Role, SecretType } from "../../gen/secrets/v1/types_pb.js";
import { BOOTSTRAP_TOKEN_FILE } from "../../services/admin/tenant-setup.js";
import { connectClients, startTestService, type TestService } from "../support/service.js";

const started: TestService[] = [];
afterAll(async () => {
  for (const svc of started.reverse()) await svc.cleanup();
});

describe("a restart on the same data directory", () => {
  it("keeps everything, and values still resolve", async () => {
    const first = await startTestService();
    started.push(first);
    const admin = connectClients(first.address, first.adminToken);
    const { tokenSecret } = await admin.admin.createApiToken({ displayName: "w", role: Role.WORKLOAD, allowedSecretPatterns: ["*"] });
    await admin.secrets.createSecret({ name: "KEPT", type: SecretType.TOKEN, value: { kind: { case: "token", value: "kept-v1" } } });
    await admin.secrets.updateSecretValue({ name: "KEPT", value: { kind: { case: "token", value: "kept-v2" } } });
    await admin.secrets.createSecret({
      name: "KEPT_LOGIN",
      type: SecretType.USERNAME_PASSWORD,
      value: { kind: { case: "usernamePassword", value: { username: "u", password: "kept-pw" } } },
    });
    await admin.secrets.archiveSecret({ name: "KEPT_LOGIN" });
    await connectClients(first.address, tokenSecret).resolver.setConsumerReferences({
      consumerId: "svc/kept",
      references: ["$<secret.KEPT>"],
    });
    const bootstrapFile = await readFile(join(first.dataDir, BOOTSTRAP_TOKEN_FILE), "utf8");
    await first.stop();

    const second = await startTestService({ dataDir: first.dataDir });
    started.push(second);
    // No second bootstrap: the same token file, the same admin.
    expect(await readFile(join(second.dataDir, BOOTSTRAP_TOKEN_FILE), "utf8")).toBe(bootstrapFile);
    const admin2 = connectClients(second.address, first.adminToken);
    const kept = (await admin2.secrets.getSecret({ name: "kept" })).secret!;
    expect(kept).toMatchObject({ name: "KEPT", version: 2n, usageCount: 1 });
    expect((await admin2.secrets.listSecretVersions({ name: "KEPT" })).versions).toHaveLength(2);
    expect((await admin2.secrets.listSecrets({ includeArchived: true })).secrets.map((s) => s.name)).toEqual(["KEPT", "KEPT_LOGIN"]);
    expect((await admin2.admin.listAuditEvents({ action: "secrets.v1.SecretsService/CreateSecret" })).events).toHaveLength(2);

    const workload = connectClients(second.address, tokenSecret);
    const resolved = await workload.resolver.resolveSecrets({ references: ["$<secret.KEPT>"] });
    expect(resolved.values[0]).toMatchObject({ value: "kept-v2", version: 2n });
    await admin2.secrets.restoreSecret({ name: "KEPT_LOGIN" });
    expect((await workload.resolver.resolveSecrets({ references: ["$<secret.KEPT_LOGIN.password>"] })).values[0]?.value).toBe("kept-pw");
  });

  it("refuses to start with the wrong master key, changing nothing", async () => {
    const first = await startTestService({ env: { SECRETS_MASTER_KEY: Buffer.alloc(32, 1).toString("base64") } });
    started.push(first);
    await first.stop();
    await expect(
      startTestService({ dataDir: first.dataDir, env: { SECRETS_MASTER_KEY: Buffer.alloc(32, 2).toString("base64") } }),
    ).rejects.toThrow(/master key does not match/);
    const again = await startTestService({ dataDir: first.dataDir, env: { SECRETS_MASTER_KEY: Buffer.alloc(32, 1).toString("base64") } });
    started.push(again);
    expect((await connectClients(again.address, first.adminToken).secrets.listSecrets({})).secrets).toEqual([]);
  });
});

/**
 * Issue 9 item 10: consumer id squatting. A workload granted only `OTHER_*`
 * registered consumer `service/app` first; the real sidecar's render of
 * `service/app` then failed with PERMISSION_DENIED. A consumer now belongs to
 * the token that created it; consumer patterns say which ids a workload may
 * register; an admin can reassign or delete a consumer; a database writer
 * cannot forge who owns one.
 */
import { Code } from "@connectrpc/connect";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { Role } from "../../gen/secrets/v1/types_pb.js";
import { runSidecar } from "../sidecar/support.js";
import { connectClients, startTestService, type ConnectClients, type TestService } from "../support/service.js";
import { editStoreFile } from "./store-file.js";
import { createTokenSecret } from "./support.js";
import { errorOf } from "../support/call-status.js";

let svc: TestService;
let admin: ConnectClients;
let dir: string;

beforeAll(async () => {
  svc = await startTestService({ args: ["--write-rate-limit", "0", "--read-rate-limit", "0", "--resolve-rate-limit", "0"] });
  admin = connectClients(svc.address, svc.adminToken);
  dir = await mkdtemp(join(tmpdir(), "consumer-squatting-"));
  for (const name of ["APP_DB", "OTHER_DB"]) await createTokenSecret(admin, name, `${name}-value`);
});

afterAll(async () => {
  await svc?.cleanup();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function workload(secretPatterns: string[], consumerPatterns: string[] = []) {
  const created = await admin.admin.createApiToken({
    displayName: "workload",
    role: Role.WORKLOAD,
    allowedSecretPatterns: secretPatterns,
    allowedConsumerPatterns: consumerPatterns,
  });
  return { id: created.apiToken!.id, secret: created.tokenSecret, clients: connectClients(svc.address, created.tokenSecret) };
}

const register = (w: { clients: ConnectClients }, consumerId: string, references: string[]) =>
  w.clients.resolver.setConsumerReferences({ consumerId, references });

async function ownerOf(consumerId: string, secretName: string): Promise<string | undefined> {
  const { consumers } = await admin.secrets.listSecretConsumers({ name: secretName });
  return consumers.find((c) => c.id === consumerId)?.ownerTokenId;
}

/** Renders one config as `consumerId` with the real sidecar; returns its exit code and output. */
async function render(tokenSecret: string, consumerId: string) {
  const tokenFile = join(dir, `token-${consumerId.replaceAll("/", "_")}`);
  await writeFile(tokenFile, tokenSecret, { mode: 0o600 });
  const config = join(dir, "app.yaml");
  await writeFile(config, "db: $<secret.APP_DB>\n");
  const out = await mkdtemp(join(dir, "out-"));
  return runSidecar([
    "render",
    config,
    "-o",
    out,
    "--address",
    svc.address,
    "--token-file",
    tokenFile,
    "--consumer-id",
    consumerId,
    "--retries",
    "0",
  ]);
}

describe("consumer id squatting", () => {
  it("a workload cannot register a consumer id its consumer patterns do not cover", async () => {
    const squatter = await workload(["OTHER_*"], ["other/*"]);
    const real = await workload(["APP_*"], ["service/app"]);

    const refused = await errorOf(register(squatter, "service/app", ["$<secret.OTHER_DB>"]));
    expect(refused?.code).toBe(Code.PermissionDenied);
    expect(refused?.findDetails(ErrorInfoSchema)[0]?.reason).toBe("CONSUMER_ID_NOT_ALLOWED");

    const rendered = await render(real.secret, "service/app");
    expect(rendered.code, rendered.output).toBe(0);
    expect(await ownerOf("service/app", "APP_DB")).toBe(real.id);
  });

  it("a token made without consumer patterns cannot take an owned id; the refusal names the owner and the way out", async () => {
    const real = await workload(["APP_*"], ["service/web"]);
    const legacySquatter = await workload(["OTHER_*"]);
    await register(legacySquatter, "service/web", ["$<secret.OTHER_DB>"]);

    const refused = await errorOf(register(real, "service/web", ["$<secret.APP_DB>"]));
    expect(refused?.code).toBe(Code.PermissionDenied);
    const info = refused?.findDetails(ErrorInfoSchema)[0];
    expect(info?.reason).toBe("CONSUMER_OWNED");
    expect(info?.metadata.owner_token_id).toBe(legacySquatter.id);

    const rendered = await render(real.secret, "service/web");
    expect(rendered.code).not.toBe(0);
    expect(rendered.output).toContain(legacySquatter.id);
    expect(rendered.output).toContain(`secretsctl consumer reassign service/web --to-token ${real.id}`);
    expect(rendered.output).not.toContain("APP_DB-value");

    // The squatter cannot take back what the admin gives away.
    const reassigned = await admin.admin.reassignConsumer({ consumerId: "service/web", ownerTokenId: real.id });
    expect(reassigned.consumer?.ownerTokenId).toBe(real.id);
    expect((await render(real.secret, "service/web")).code).toBe(0);
    expect((await errorOf(register(legacySquatter, "service/web", ["$<secret.OTHER_DB>"])))?.code).toBe(Code.PermissionDenied);
  });

  it("a token whose patterns cover an owned id takes it over only if its grant covers the consumer's references", async () => {
    const before = await workload(["APP_*"], ["service/rotating"]);
    await register(before, "service/rotating", ["$<secret.APP_DB>"]);

    const narrower = await workload(["NOTHING_*"], ["service/*"]);
    const refused = await errorOf(register(narrower, "service/rotating", []));
    expect(refused?.findDetails(ErrorInfoSchema)[0]?.reason).toBe("CONSUMER_OWNED");

    const rotated = await workload(["APP_*"], ["service/rotating"]);
    expect((await register(rotated, "service/rotating", ["$<secret.APP_DB>"])).consumer?.ownerTokenId).toBe(rotated.id);
  });

  it("an admin can delete a squatted consumer, after which the real workload registers it", async () => {
    const squatter = await workload(["OTHER_*"]);
    const real = await workload(["APP_*"]);
    await register(squatter, "service/api", ["$<secret.OTHER_DB>"]);
    expect((await errorOf(register(real, "service/api", ["$<secret.APP_DB>"])))?.code).toBe(Code.PermissionDenied);
    await admin.resolver.deleteConsumer({ consumerId: "service/api" });
    expect((await register(real, "service/api", ["$<secret.APP_DB>"])).consumer?.ownerTokenId).toBe(real.id);
  });

  it("refuses consumer patterns on other roles and malformed ones", async () => {
    const refused = await errorOf(
      admin.admin.createApiToken({ displayName: "v", role: Role.VIEWER, allowedConsumerPatterns: ["service/*"] }),
    );
    expect(refused?.code).toBe(Code.InvalidArgument);
    const tooWild = await errorOf(
      admin.admin.createApiToken({
        displayName: "w",
        role: Role.WORKLOAD,
        allowedSecretPatterns: ["A"],
        allowedConsumerPatterns: ["*a*a*a*a*a*"],
      }),
    );
    expect(tooWild?.code).toBe(Code.InvalidArgument);
  });
});

describe("a database writer cannot forge a consumer's owner", () => {
  it("a consumer whose owner was rewritten in the store is refused, not handed over", async () => {
    const owner = await workload(["APP_*"]);
    const forger = await workload(["OTHER_*"]);
    await register(owner, "service/forged", ["$<secret.APP_DB>"]);

    await svc.stop();
    editStoreFile(svc.dataDir, (db) => db.prepare("UPDATE consumers SET owner_token_id = ? WHERE id = 'service/forged'").run(forger.id));
    svc = await startTestService({ dataDir: svc.dataDir });
    const forgerNow = connectClients(svc.address, forger.secret);
    const refused = await errorOf(forgerNow.resolver.setConsumerReferences({ consumerId: "service/forged", references: [] }));
    expect(refused?.code).toBe(Code.DataLoss);
    expect(svc.logs()).toContain("consumer");
  });
});

/**
 * Write-only and encrypted at rest: distinctive values are searched for in
 * the SQLite file and its WAL, the service's log output, every response but
 * Resolve's, every audit event and every error message; none may hold them.
 * A ciphertext copied onto another secret's row must fail to decrypt.
 */
import { ConnectError, Code } from "@connectrpc/connect";
import Database from "better-sqlite3";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Role, SecretType } from "../../gen/secrets/v1/types_pb.js";
import { SQLITE_FILE } from "../../services/backends.js";
import { connectClients, startTestService, type ConnectClients, type TestService } from "../support/service.js";

// Distinctive values, each unlikely to appear by chance.
const TOKEN_VALUE = "tok-Zq8PLANT3d-VALUE-4417";
const PASSWORD = "pw-Xk2MARKER-pass-9901";
const USERNAME = "user-Jv6MARKER-name-5523";
const JSON_FIELD = "json-Rr5MARKER-field-3380";
const NEW_TOKEN_VALUE = "tok-Ww9ROTATED-VALUE-7710";
const BAD_JSON_VALUE = "bad-Qq1MARKER-json-2264";
const VALUES = [TOKEN_VALUE, PASSWORD, USERNAME, JSON_FIELD, NEW_TOKEN_VALUE, BAD_JSON_VALUE];

/** Each value in the encodings it could leak in. */
function leakForms(value: string): string[] {
  return [value, Buffer.from(value).toString("base64"), Buffer.from(value).toString("hex"), encodeURIComponent(value)];
}

function expectFree(haystack: string | Buffer, where: string): void {
  const text = typeof haystack === "string" ? haystack : haystack.toString("latin1");
  for (const value of VALUES) for (const form of leakForms(value)) expect(text.includes(form), `${where} holds a value`).toBe(false);
}

const json = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? String(x) : x));

let svc: TestService;
let admin: ConnectClients;
let workload: ConnectClients;
/** Every non-Resolve response and every error message, serialized. */
const seen: string[] = [];

async function record<T>(promise: Promise<T>): Promise<T | undefined> {
  try {
    const response = await promise;
    seen.push(json(response));
    return response;
  } catch (error) {
    seen.push(String(error), json((error as ConnectError).details));
    return undefined;
  }
}

beforeAll(async () => {
  svc = await startTestService();
  admin = connectClients(svc.address, svc.adminToken);
  const token = await admin.admin.createApiToken({ displayName: "conf", role: Role.WORKLOAD, allowedSecretPatterns: ["CONF_*"] });
  workload = connectClients(svc.address, token.tokenSecret);

  await record(
    admin.secrets.createSecret({ name: "CONF_TOKEN", type: SecretType.TOKEN, value: { kind: { case: "token", value: TOKEN_VALUE } } }),
  );
  await record(
    admin.secrets.createSecret({
      name: "CONF_LOGIN",
      type: SecretType.USERNAME_PASSWORD,
      value: { kind: { case: "usernamePassword", value: { username: USERNAME, password: PASSWORD } } },
    }),
  );
  await record(
    admin.secrets.createSecret({
      name: "CONF_JSON",
      type: SecretType.JSON,
      value: { kind: { case: "json", value: JSON.stringify({ nested: { field: JSON_FIELD } }) } },
    }),
  );
  await record(admin.secrets.updateSecretValue({ name: "CONF_TOKEN", value: { kind: { case: "token", value: NEW_TOKEN_VALUE } } }));
  // Errors that carry a value in the request must not echo it.
  await record(
    admin.secrets.createSecret({
      name: "CONF_BAD",
      type: SecretType.JSON,
      value: { kind: { case: "json", value: `["${BAD_JSON_VALUE}"]` } },
    }),
  );
  await record(
    admin.secrets.createSecret({ name: "CONF_BAD", type: SecretType.JSON, value: { kind: { case: "json", value: `{${BAD_JSON_VALUE}` } } }),
  );
  await record(
    admin.secrets.createSecret({ name: "CONF_BAD", type: SecretType.TOKEN, value: { kind: { case: "json", value: BAD_JSON_VALUE } } }),
  );
  await record(
    admin.secrets.createSecret({ name: "bad name", type: SecretType.TOKEN, value: { kind: { case: "token", value: BAD_JSON_VALUE } } }),
  );
  await record(
    admin.secrets.createSecret({ name: "CONF_TOKEN", type: SecretType.TOKEN, value: { kind: { case: "token", value: BAD_JSON_VALUE } } }),
  );

  // Resolve (the one response allowed to hold values) and everything else a user can read.
  const refs = ["$<secret.CONF_TOKEN>", "$<secret.CONF_LOGIN.password>", "$<secret.CONF_LOGIN>", "$<secret.CONF_JSON.nested.field>"];
  await record(workload.resolver.setConsumerReferences({ consumerId: "conf/app", references: refs }));
  const resolved = await workload.resolver.resolveSecrets({ references: refs, consumerId: "conf/app" });
  expect(resolved.values.map((v) => v.value)).toContain(NEW_TOKEN_VALUE);
  await record(workload.resolver.resolveSecrets({ references: [...refs, "$<secret.CONF_MISSING>"] }));
  await record(admin.resolver.resolveSecrets({ references: refs }));
  for (const name of ["CONF_TOKEN", "CONF_LOGIN", "CONF_JSON"]) {
    await record(admin.secrets.getSecret({ name }));
    await record(admin.secrets.listSecretVersions({ name }));
    await record(admin.secrets.listSecretConsumers({ name }));
    await record(admin.secrets.deleteSecret({ name }));
  }
  await record(admin.secrets.listSecrets({ includeArchived: true }));
  await record(admin.secrets.archiveSecret({ name: "CONF_JSON" }));
  await record(workload.resolver.resolveSecrets({ references: ["$<secret.CONF_JSON.nested.field>"] }));
  await record(admin.secrets.restoreSecret({ name: "CONF_JSON" }));
  await record(admin.admin.listApiTokens({}));
});

afterAll(async () => {
  await svc?.cleanup();
});

describe("confidentiality", () => {
  it("keeps every value out of every non-Resolve response and error", () => {
    expect(seen.length).toBeGreaterThan(20);
    expectFree(seen.join("\n"), "a response or error");
  });

  it("keeps every value out of the audit trail", async () => {
    const events = [];
    let pageToken = "";
    do {
      const page = await admin.admin.listAuditEvents({ pageToken, pageSize: 100 });
      events.push(...page.events);
      pageToken = page.nextPageToken;
    } while (pageToken);
    // The trail saw the resolves, the updates and the denials.
    expect(events.some((e) => e.action.endsWith("/ResolveSecrets"))).toBe(true);
    expect(events.some((e) => e.action.endsWith("/UpdateSecretValue") && e.version === 2n)).toBe(true);
    expect(events.some((e) => e.statusCode === "PERMISSION_DENIED")).toBe(true);
    expectFree(json(events), "the audit trail");
  });

  it("keeps every value out of the log output", () => {
    expect(svc.logs().length).toBeGreaterThan(0);
    expectFree(svc.logs(), "the log");
  });

  it("keeps every value out of the SQLite file and its WAL", async () => {
    const files = (await readdir(svc.dataDir)).filter((f) => f.startsWith(SQLITE_FILE));
    expect(files).toContain(`${SQLITE_FILE}-wal`);
    for (const file of files) expectFree(await readFile(join(svc.dataDir, file)), file);
    // The keyring too: it holds wrapped keys only.
    for (const file of await readdir(svc.dataDir)) expectFree(await readFile(join(svc.dataDir, file)), file);
  });

  it("refuses to decrypt a ciphertext copied onto another secret's row", async () => {
    // A second connection, as an attacker with write access to the file would have.
    const db = new Database(join(svc.dataDir, SQLITE_FILE));
    try {
      db.prepare(
        `UPDATE secret_versions SET ciphertext = (
           SELECT v.ciphertext FROM secret_versions v JOIN secrets s ON s.id = v.secret_id
           WHERE s.name = 'CONF_TOKEN' AND v.version = s.version)
         WHERE (secret_id, version) = (SELECT id, version FROM secrets WHERE name = 'CONF_JSON')`,
      ).run();
    } finally {
      db.close();
    }
    const error = await workload.resolver
      .resolveSecrets({ references: ["$<secret.CONF_JSON.nested.field>"] })
      .catch((e: unknown) => e as ConnectError);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.DataLoss);
    expectFree(String(error), "the error");
    // The untouched secret still resolves.
    const ok = await workload.resolver.resolveSecrets({ references: ["$<secret.CONF_TOKEN>"] });
    expect(ok.values[0]?.value).toBe(NEW_TOKEN_VALUE);
  });
});

/**
 * The full life of a secret of each type, over real gRPC on loopback, through
 * the generated Connect clients: create, list, update, archive, restore,
 * reference, resolve, refused delete, unreference, delete; and WatchSecrets
 * seeing each change.
 */
import { ConnectError, Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PreconditionFailureSchema } from "../../gen/google/rpc/error_details_pb.js";
import { ValueKind, WatchEventType, type WatchSecretsResponse } from "../../gen/secrets/v1/resolver_service_pb.js";
import { Role, SecretState, SecretType, type SecretValue } from "../../gen/secrets/v1/types_pb.js";
import type { MessageInitShape } from "@bufbuild/protobuf";
import type { SecretValueSchema } from "../../gen/secrets/v1/types_pb.js";
import { connectClients, startTestService, type ConnectClients, type TestService } from "../support/service.js";

type ValueInit = MessageInitShape<typeof SecretValueSchema>;

interface Case {
  type: SecretType;
  name: string;
  first: ValueInit;
  second: ValueInit;
  /** Reference → expected resolved value (after the second value is set). */
  resolves: [string, ValueKind, string][];
}

const token = (t: string): ValueInit => ({ kind: { case: "token", value: t } });
const userPass = (username: string, password: string): ValueInit => ({
  kind: { case: "usernamePassword", value: { username, password } },
});
const json = (object: object): ValueInit => ({ kind: { case: "json", value: JSON.stringify(object) } });

const CASES: Case[] = [
  {
    type: SecretType.TOKEN,
    name: "GRAFANA_API_KEY",
    first: token("glsa_first-0123"),
    second: token("glsa_second-4567"),
    resolves: [
      ["$<secret.GRAFANA_API_KEY>", ValueKind.STRING, "glsa_second-4567"],
      ["${secret.grafana_api_key}", ValueKind.STRING, "glsa_second-4567"],
      ["{{ secrets.Grafana_Api_Key }}", ValueKind.STRING, "glsa_second-4567"],
    ],
  },
  {
    type: SecretType.USERNAME_PASSWORD,
    name: "orders-db",
    first: userPass("app", "first pass"),
    second: userPass("app2", "p@ss:w/rd?"),
    resolves: [
      ["$<secret.orders-db.username>", ValueKind.STRING, "app2"],
      ["$<secret.orders-db.password>", ValueKind.STRING, "p@ss:w/rd?"],
      ["$<secret.orders-db.password | urlencode>", ValueKind.STRING, "p%40ss%3Aw%2Frd%3F"],
      ["$<secret.orders-db>", ValueKind.JSON, JSON.stringify({ username: "app2", password: "p@ss:w/rd?" })],
    ],
  },
  {
    type: SecretType.JSON,
    name: "gcp_service_account",
    first: json({ type: "service_account", project_id: "one" }),
    second: json({ type: "service_account", project_id: "two", nested: { port: 5432, key: "k" } }),
    resolves: [
      ["$<secret.gcp_service_account.project_id>", ValueKind.STRING, "two"],
      ["$<secret.gcp_service_account.nested.port>", ValueKind.STRING, "5432"],
      ["$<secret.gcp_service_account.nested>", ValueKind.JSON, JSON.stringify({ port: 5432, key: "k" })],
      [
        "$<secret.gcp_service_account>",
        ValueKind.JSON,
        JSON.stringify({ type: "service_account", project_id: "two", nested: { port: 5432, key: "k" } }),
      ],
    ],
  },
];

let svc: TestService;
let admin: ConnectClients;
let workload: ConnectClients;

beforeAll(async () => {
  svc = await startTestService();
  admin = connectClients(svc.address, svc.adminToken);
  const created = await admin.admin.createApiToken({
    displayName: "lifecycle workload",
    role: Role.WORKLOAD,
    allowedSecretPatterns: CASES.map((c) => c.name),
  });
  workload = connectClients(svc.address, created.tokenSecret);
});

afterAll(async () => {
  await svc?.cleanup();
});

async function expectCode(promise: Promise<unknown>, code: Code): Promise<ConnectError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectError);
  expect((error as ConnectError).code, (error as ConnectError).message).toBe(code);
  return error as ConnectError;
}

/** Collects watch events in the background until aborted. */
function watch(client: ConnectClients, names: string[]) {
  const abort = new AbortController();
  const events: WatchSecretsResponse[] = [];
  const done = (async () => {
    try {
      for await (const event of client.resolver.watchSecrets({ names }, { signal: abort.signal })) events.push(event);
    } catch (error) {
      if (!abort.signal.aborted) throw error;
    }
  })();
  return {
    events,
    async until(predicate: (events: WatchSecretsResponse[]) => boolean) {
      await expect.poll(() => predicate(events), { timeout: 10_000, interval: 20 }).toBe(true);
    },
    async stop() {
      abort.abort();
      await done;
    },
  };
}

describe.each(CASES)("the life of a $name secret", (c) => {
  it("goes from creation to deletion, with usage protecting it", async () => {
    const watcher = watch(workload, [c.name]);
    await watcher.until((e) => e[0]?.type === WatchEventType.SUBSCRIBED);
    expect(watcher.events[0]!.snapshot).toEqual([expect.objectContaining({ name: c.name, version: 0n })]);

    // Create.
    const created = await admin.secrets.createSecret({
      name: c.name,
      displayName: `${c.name} display`,
      description: "used by the lifecycle test",
      labels: { team: "platform" },
      type: c.type,
      value: c.first,
    });
    expect(created.secret).toMatchObject({ name: c.name, type: c.type, version: 1n, state: SecretState.ACTIVE, usageCount: 0 });
    expect(JSON.stringify(created, (_k, v) => (typeof v === "bigint" ? String(v) : v))).not.toContain(firstValueText(c.first));

    // Listed with name, type, version, updated, usage; found by label.
    const listed = await admin.secrets.listSecrets({ labels: { team: "platform" } });
    expect(listed.secrets.map((s) => s.name)).toContain(c.name);

    // Update: a new version; the watcher hears of it.
    const updated = await admin.secrets.updateSecretValue({ name: c.name.toLowerCase(), value: c.second, expectedVersion: 1n });
    expect(updated.secret?.version).toBe(2n);
    await watcher.until((e) => e.some((x) => x.type === WatchEventType.VALUE_UPDATED && x.version === 2n));
    const versions = await admin.secrets.listSecretVersions({ name: c.name });
    expect(versions.versions.map((v) => v.version)).toEqual([2n, 1n]);

    // Reference and resolve: every reference form, case-insensitively.
    const references = c.resolves.map(([ref]) => ref);
    const consumer = await workload.resolver.setConsumerReferences({ consumerId: `service/${c.name}`, references });
    expect(consumer.consumer?.references.sort()).toEqual([...references].sort());
    const resolved = await workload.resolver.resolveSecrets({ references, consumerId: `service/${c.name}` });
    expect(resolved.values.map((v) => [v.reference, v.kind, v.value])).toEqual(c.resolves);
    expect(resolved.values.every((v) => v.version === 2n && v.secretName === c.name)).toBe(true);

    const afterResolve = (await admin.secrets.getSecret({ name: c.name })).secret!;
    expect(afterResolve.usageCount).toBe(1);
    // The last access is written beside the resolve, not inside it.
    await expect
      .poll(async () => (await admin.secrets.getSecret({ name: c.name })).secret?.lastAccessTime, { timeout: 10_000 })
      .toBeDefined();

    // Archive: not resolvable, hidden from the default list; restore brings it back.
    await admin.secrets.archiveSecret({ name: c.name });
    await watcher.until((e) => e.some((x) => x.type === WatchEventType.ARCHIVED));
    await expectCode(workload.resolver.resolveSecrets({ references: [references[0]!] }), Code.FailedPrecondition);
    expect((await admin.secrets.listSecrets({})).secrets.map((s) => s.name)).not.toContain(c.name);
    expect((await admin.secrets.listSecrets({ includeArchived: true })).secrets.map((s) => s.name)).toContain(c.name);
    await admin.secrets.restoreSecret({ name: c.name });
    await watcher.until((e) => e.some((x) => x.type === WatchEventType.RESTORED));
    expect((await workload.resolver.resolveSecrets({ references: [references[0]!] })).values).toHaveLength(1);

    // Delete is refused while referenced, naming the consumer.
    const refused = await expectCode(admin.secrets.deleteSecret({ name: c.name }), Code.FailedPrecondition);
    expect(refused.message).toContain(`service/${c.name}`);
    const [failure] = refused.findDetails(PreconditionFailureSchema);
    expect(failure?.violations).toEqual([expect.objectContaining({ type: "CONSUMER", subject: `service/${c.name}` })]);
    const consumers = await admin.secrets.listSecretConsumers({ name: c.name });
    expect(consumers.consumers.map((x) => x.id)).toEqual([`service/${c.name}`]);

    // Unreference, then delete.
    await workload.resolver.deleteConsumer({ consumerId: `service/${c.name}` });
    expect((await admin.secrets.getSecret({ name: c.name })).secret?.usageCount).toBe(0);
    await admin.secrets.deleteSecret({ name: c.name });
    await watcher.until((e) => e.some((x) => x.type === WatchEventType.DELETED));
    await expectCode(admin.secrets.getSecret({ name: c.name }), Code.NotFound);
    await expectCode(workload.resolver.resolveSecrets({ references: [references[0]!] }), Code.NotFound);

    expect(watcher.events.map((e) => e.type)).toEqual([
      WatchEventType.SUBSCRIBED,
      WatchEventType.CREATED,
      WatchEventType.VALUE_UPDATED,
      WatchEventType.ARCHIVED,
      WatchEventType.RESTORED,
      WatchEventType.DELETED,
    ]);
    await watcher.stop();
  });
});

function firstValueText(value: ValueInit): string {
  const kind = (value as SecretValue).kind;
  if (kind.case === "usernamePassword") return kind.value.password;
  return String(kind.value);
}

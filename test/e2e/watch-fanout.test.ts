/**
 * The watch fan-out: many WatchSecrets streams of several tokens and two
 * tenants share each change's one message and its one encoding. Each stream
 * must still get exactly the changes of the secrets it watches in its own
 * tenant, in order, and a workload's stream no metadata or usage change;
 * the tenant's WatchSecretChanges stream gets all of them. A last change to
 * a secret every stream watches (the fence) closes the comparison, so no
 * test waits on silence.
 */
import { setMaxListeners } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WatchEventType, type WatchSecretsResponse } from "../../gen/secrets/v1/resolver_service_pb.js";
import { Role } from "../../gen/secrets/v1/types_pb.js";
import { createTokenSecret, mint, tokenValue } from "../security/support.js";
import { connectClients, startTestService, type ConnectClients, type TestService } from "../support/service.js";

let svc: TestService;

beforeAll(async () => {
  svc = await startTestService({ args: ["--stream-rate-limit", "0", "--write-rate-limit", "0"] });
});
afterAll(async () => {
  await svc?.cleanup();
});

type Seen = [tenant: string, type: WatchEventType, name: string, version: bigint];

interface Stream {
  tenant: string;
  names: string[];
  /** Every event after SUBSCRIBED, up to and with the fence's. */
  events: Promise<Seen[]>;
}

const FENCE = "FAN_FENCE";

/** Opens a stream, waits for its SUBSCRIBED, and collects its events until the fence's VALUE_UPDATED. */
async function open(
  tenant: string,
  iterable: AsyncIterable<{ type: WatchEventType; name: string; version: bigint }>,
  names: string[],
): Promise<Stream> {
  const iterator = iterable[Symbol.asyncIterator]();
  expect((await iterator.next()).value?.type).toBe(WatchEventType.SUBSCRIBED);
  const events = (async () => {
    const seen: Seen[] = [];
    for (;;) {
      const { value, done } = await iterator.next();
      if (done) throw new Error(`a stream of ${tenant} watching ${names} ended after ${JSON.stringify(seen, bigints)}`);
      seen.push([tenant, value.type, value.name, value.version]);
      if (value.name === FENCE && value.type === WatchEventType.VALUE_UPDATED) return seen;
    }
  })();
  return { tenant, names, events };
}

const bigints = (_key: string, value: unknown) => (typeof value === "bigint" ? String(value) : value);

describe("WatchSecrets fan-out", () => {
  it("gives each of many streams exactly the changes it may read, in order", async () => {
    const rootAdmin = connectClients(svc.address, svc.adminToken);
    const created = await rootAdmin.admin.createTenant({ tenantId: "fanout-b" });
    const admins: Record<string, ConnectClients> = { a: rootAdmin, b: connectClients(svc.address, created.adminTokenSecret) };
    for (const name of ["FAN_ONE", "FAN_TWO", "FAN_THREE", FENCE]) await createTokenSecret(admins.a!, name, `${name}-v1`);
    for (const name of ["FAN_ONE", FENCE]) await createTokenSecret(admins.b!, name, `${name}-v1`);

    const watchers: { tenant: string; patterns: string[]; names: string[]; streams: number }[] = [
      { tenant: "a", patterns: ["FAN_ONE", FENCE], names: ["FAN_ONE", FENCE], streams: 8 },
      { tenant: "a", patterns: ["FAN_*"], names: ["FAN_ONE", "FAN_TWO", FENCE], streams: 8 },
      { tenant: "a", patterns: ["FAN_THREE", FENCE], names: [FENCE, "FAN_THREE"], streams: 4 },
      { tenant: "b", patterns: ["FAN_*"], names: ["FAN_ONE", FENCE], streams: 8 },
    ];
    const streams: Stream[] = [];
    const stop = new AbortController();
    setMaxListeners(100, stop.signal);
    try {
      for (const { tenant, patterns, names, streams: count } of watchers) {
        const workload = await mint(svc, admins[tenant]!, Role.WORKLOAD, patterns);
        for (let i = 0; i < count; i++)
          streams.push(await open(tenant, workload.clients.resolver.watchSecrets({ names }, { signal: stop.signal }), names));
      }
      const tenantWide = await open("a", rootAdmin.secrets.watchSecretChanges({}, { signal: stop.signal }), ["*"]);

      // Each change, and who may see it.
      const changes: Seen[] = [];
      const change = async (
        tenant: string,
        type: WatchEventType,
        name: string,
        act: (admin: ConnectClients) => Promise<{ secret?: { version: bigint } }>,
      ) => {
        const { secret } = await act(admins[tenant]!);
        changes.push([tenant, type, name, secret!.version]);
      };
      const update = (name: string, value: string) => (admin: ConnectClients) =>
        admin.secrets.updateSecretValue({ name, value: tokenValue(value) });
      await change("a", WatchEventType.VALUE_UPDATED, "FAN_ONE", update("FAN_ONE", "a-one-2"));
      await change("b", WatchEventType.VALUE_UPDATED, "FAN_ONE", update("FAN_ONE", "b-one-2"));
      await change("a", WatchEventType.VALUE_UPDATED, "FAN_TWO", update("FAN_TWO", "a-two-2"));
      await change("a", WatchEventType.METADATA_UPDATED, "FAN_THREE", (admin) =>
        admin.secrets.updateSecretMetadata({ name: "FAN_THREE", description: "edited", updateMask: { paths: ["description"] } }),
      );
      await change("a", WatchEventType.ARCHIVED, "FAN_THREE", (admin) => admin.secrets.archiveSecret({ name: "FAN_THREE" }));
      await change("a", WatchEventType.VALUE_UPDATED, "FAN_ONE", update("FAN_ONE", "a-one-3"));
      await change("b", WatchEventType.VALUE_UPDATED, FENCE, update(FENCE, "b-fence-2"));
      await change("a", WatchEventType.VALUE_UPDATED, FENCE, update(FENCE, "a-fence-2"));

      const workloadKinds = new Set([WatchEventType.VALUE_UPDATED, WatchEventType.ARCHIVED]);
      for (const stream of streams) {
        const expected = changes.filter(
          ([tenant, type, name]) => tenant === stream.tenant && stream.names.includes(name) && workloadKinds.has(type),
        );
        expect(await stream.events, `a stream of tenant ${stream.tenant} watching ${stream.names}`).toEqual(expected);
      }
      expect(await tenantWide.events).toEqual(changes.filter(([tenant]) => tenant === "a"));
    } finally {
      stop.abort();
    }
  }, 120_000);

  it("gives a stream opened after a change the changed version in its snapshot", async () => {
    const admin = connectClients(svc.address, svc.adminToken);
    await createTokenSecret(admin, "FAN_SNAPSHOT", "snap-v1");
    const workload = await mint(svc, admin, Role.WORKLOAD, ["FAN_SNAPSHOT"]);
    const stop = new AbortController();
    setMaxListeners(100, stop.signal);
    const snapshotVersion = async () => {
      const stream = workload.clients.resolver.watchSecrets({ names: ["FAN_SNAPSHOT"] }, { signal: stop.signal })[Symbol.asyncIterator]();
      const { value } = await stream.next();
      expect(value?.type).toBe(WatchEventType.SUBSCRIBED);
      return (value as WatchSecretsResponse).snapshot.map((entry) => entry.version);
    };
    try {
      for (let i = 0; i < 5; i++) expect(await snapshotVersion()).toEqual([1n]);
      await admin.secrets.updateSecretValue({ name: "FAN_SNAPSHOT", value: tokenValue("snap-v2") });
      expect(await snapshotVersion()).toEqual([2n]);
      await admin.secrets.deleteSecret({ name: "FAN_SNAPSHOT" });
      expect(await snapshotVersion()).toEqual([0n]);
    } finally {
      stop.abort();
    }
  }, 60_000);
});

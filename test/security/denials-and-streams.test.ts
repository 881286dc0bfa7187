/**
 * Finding 4: a denied WatchSecrets wrote every requested name to its audit
 * row (125 KB a row), denials were not rate-limited, and one viewer token
 * opened 300 streams of 1,000 names. Now a denial's row keeps the first
 * names and their count, every method is limited (denials included), and
 * open streams per token and names per stream are capped (flags).
 */
import { Code } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditOutcome, Role } from "../../gen/secrets/v1/types_pb.js";
import { DENIED_NAMES_KEPT } from "../../services/rpc/call-policy.js";
import { ErrorInfoSchema } from "../../gen/google/rpc/error_details_pb.js";
import { errorOf } from "../support/call-status.js";
import { connectClients, startTestService, type ConnectClients, type TestService } from "../support/service.js";
import { mint } from "./support.js";

const STREAMS_PER_TOKEN = 3;
const NAMES_PER_STREAM = 50;

let svc: TestService;
let admin: ConnectClients;

beforeAll(async () => {
  svc = await startTestService({
    args: [
      "--max-streams-per-token",
      String(STREAMS_PER_TOKEN),
      "--max-names-per-stream",
      String(NAMES_PER_STREAM),
      "--stream-rate-limit",
      "1",
    ],
  });
  admin = connectClients(svc.address, svc.adminToken);
});
afterAll(async () => {
  await svc?.cleanup();
});

/** Opens a WatchSecrets stream and waits for its first message; resolves with the status, the error's reason, and a way to close it. */
async function openWatch(clients: ConnectClients, names: string[]) {
  const abort = new AbortController();
  const stream = clients.resolver.watchSecrets({ names }, { signal: abort.signal })[Symbol.asyncIterator]();
  const error = await errorOf(stream.next());
  return { status: error?.code ?? "OK", reason: error?.findDetails(ErrorInfoSchema)[0]?.reason, close: () => abort.abort() };
}

/** openWatch, waiting out the stream rate limit (--stream-rate-limit 1, burst 2) rather than failing on it. */
async function openPatiently(clients: ConnectClients, names: string[]) {
  for (;;) {
    const watch = await openWatch(clients, names);
    if (watch.reason !== "RATE_LIMITED") return watch;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

describe("a denied call's audit row", () => {
  it("keeps the first few names and the count of the rest, not every name asked for", async () => {
    const stranger = await mint(svc, admin, Role.WORKLOAD, ["OTHER_*"]);
    const names = Array.from({ length: NAMES_PER_STREAM }, (_, i) => `DENIED_${i}`);
    expect((await openWatch(stranger.clients, names)).status).toBe(Code.PermissionDenied);
    const { events } = await admin.admin.listAuditEvents({ actorTokenId: stranger.id, outcome: AuditOutcome.DENIED });
    expect(events).toHaveLength(1);
    expect(events[0]!.resources).toEqual([...names.slice(0, DENIED_NAMES_KEPT), `+${NAMES_PER_STREAM - DENIED_NAMES_KEPT} more`]);
  });
});

describe("denied calls", () => {
  it("are rate-limited like any other: a burst of denied streams meets RESOURCE_EXHAUSTED", async () => {
    const stranger = await mint(svc, admin, Role.WORKLOAD, ["OTHER_*"]);
    const statuses = [];
    for (let i = 0; i < 10; i++) statuses.push((await openWatch(stranger.clients, ["DENIED_X"])).status);
    expect(statuses[0]).toBe(Code.PermissionDenied);
    expect(statuses).toContain(Code.ResourceExhausted);
    const { events } = await admin.admin.listAuditEvents({ actorTokenId: stranger.id });
    // Refused by the limit before the permission check, so those leave no audit row.
    expect(events.length).toBe(statuses.filter((s) => s === Code.PermissionDenied).length);
  });
});

describe("streams", () => {
  it(`refuse more than ${NAMES_PER_STREAM} names in one stream`, async () => {
    const viewer = await mint(svc, admin, Role.VIEWER);
    const names = Array.from({ length: NAMES_PER_STREAM + 1 }, (_, i) => `N_${i}`);
    expect((await openWatch(viewer.clients, names)).status).toBe(Code.InvalidArgument);
  });

  it(`refuse a token's stream beyond ${STREAMS_PER_TOKEN} open ones, and allow one again once a stream closes`, async () => {
    const viewer = await mint(svc, admin, Role.VIEWER);
    const other = await mint(svc, admin, Role.VIEWER);
    const open = [];
    for (let i = 0; i < STREAMS_PER_TOKEN; i++) {
      const watch = await openPatiently(viewer.clients, ["ANY"]);
      expect(watch.status).toBe("OK");
      open.push(watch);
    }
    const refused = await openPatiently(viewer.clients, ["ANY"]);
    expect([refused.status, refused.reason]).toEqual([Code.ResourceExhausted, "TOO_MANY_STREAMS"]);
    // Another token is not affected.
    const others = await openPatiently(other.clients, ["ANY"]);
    expect(others.status).toBe("OK");
    others.close();
    // The server frees the slot when it sees the cancel: wait for that.
    open.pop()!.close();
    let again: Awaited<ReturnType<typeof openPatiently>>;
    do again = await openPatiently(viewer.clients, ["ANY"]);
    while (again.reason === "TOO_MANY_STREAMS");
    expect(again.status).toBe("OK");
    again.close();
    for (const watch of open) watch.close();
  });
});

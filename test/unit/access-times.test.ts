/**
 * Last access times written beside the resolves: the notes of one turn are
 * one store call per tenant, each secret once at the latest time; the read
 * cache forgets them once written; a failed write is reported, never thrown
 * at the resolve.
 */
import { describe, expect, it } from "vitest";
import { AccessTimes } from "../../services/resolver/access-times.js";

function recorder(fail = false, gatherMs = 20) {
  const calls: { tenantId: string; secretIds: string[]; time: number }[] = [];
  const forgotten: string[] = [];
  const errors: unknown[] = [];
  const store = {
    async recordSecretAccess(tenantId: string, secretIds: readonly string[], time: Date) {
      if (fail) throw new Error("SQLITE_BUSY: database is locked");
      calls.push({ tenantId, secretIds: [...secretIds], time: time.getTime() });
    },
  };
  const reads = { forget: (tenantId: string, nameKey: string) => void forgotten.push(`${tenantId}/${nameKey}`) };
  return { times: new AccessTimes(store, reads, (error) => errors.push(error), gatherMs), calls, forgotten, errors };
}

describe("AccessTimes", () => {
  it("writes the notes of one turn as one call per tenant, each secret once at the latest time, then forgets them", async () => {
    const { times, calls, forgotten } = recorder();
    const notes = [
      times.note("t1", [{ id: "s1", nameKey: "a" }], new Date(1000)),
      times.note("t1", [{ id: "s2", nameKey: "b" }], new Date(3000)),
      times.note("t2", [{ id: "s9", nameKey: "z" }], new Date(2000)),
    ];
    expect(calls).toEqual([]);
    await times.drained();
    expect(calls).toEqual([
      { tenantId: "t1", secretIds: ["s1", "s2"], time: 3000 },
      { tenantId: "t2", secretIds: ["s9"], time: 2000 },
    ]);
    expect(forgotten).toEqual(["t1/a", "t1/b", "t2/z"]);
    await Promise.all(notes);
  });

  it("gathers the notes of several turns of the event loop into one write", async () => {
    // A gathering time no turn of the event loop outlasts, however loaded the machine.
    const { times, calls } = recorder(false, 1_000);
    const first = times.note("t1", [{ id: "s1", nameKey: "a" }], new Date(1000));
    await new Promise((resolve) => setImmediate(resolve));
    const second = times.note("t1", [{ id: "s2", nameKey: "b" }], new Date(1000));
    await Promise.all([first, second]);
    expect(calls).toEqual([{ tenantId: "t1", secretIds: ["s1", "s2"], time: 1000 }]);
  });

  it("queues a secret noted again while its access is unwritten only once, and again once written", async () => {
    const { times, calls } = recorder();
    const first = times.note("t1", [{ id: "s1", nameKey: "a" }], new Date(1000));
    const again = times.note("t1", [{ id: "s1", nameKey: "a" }], new Date(2000));
    await Promise.all([first, again]);
    expect(calls).toEqual([{ tenantId: "t1", secretIds: ["s1"], time: 1000 }]);
    await times.note("t1", [{ id: "s1", nameKey: "a" }], new Date(70_000));
    expect(calls).toHaveLength(2);
  });

  it("reports a failed write and settles the note without an error", async () => {
    const { times, errors, forgotten } = recorder(true);
    await expect(times.note("t1", [{ id: "s1", nameKey: "a" }], new Date(1000))).resolves.toBeUndefined();
    expect(errors.map(String)).toEqual(["Error: SQLITE_BUSY: database is locked"]);
    expect(forgotten).toEqual([]);
  });
});

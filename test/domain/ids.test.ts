/** Audit ids: sort by time, never repeat, and keep their shape when their randomness comes from a pool. */
import { describe, expect, it } from "vitest";
import { timeOrderedId } from "../../services/domain/ids.js";

describe("timeOrderedId", () => {
  it("sorts by time and within a millisecond by order, and never repeats across pool refills", () => {
    const time = new Date("2026-01-01T00:00:00Z");
    const ids = Array.from({ length: 3000 }, (_, i) => timeOrderedId(new Date(time.getTime() + Math.floor(i / 1000))));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[0-9a-v]{15}[0-9a-f]{10}$/);
    expect(new Set(ids.map((id) => id.slice(15))).size).toBeGreaterThan(2990);
  });
});

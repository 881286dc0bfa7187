/** Ids: audit ids sort by time; all never repeat and keep their shape when their randomness comes from a pool. */
import { describe, expect, it } from "vitest";
import { randomId, timeOrderedId } from "../../services/domain/ids.js";

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

describe("randomId", () => {
  it("is 96 random bits after its prefix, never repeating across pool refills, interleaved with audit ids", () => {
    // 12 bytes each, 5 per audit id: 1,000 of each pass the 4 KiB pool four times.
    const ids = Array.from({ length: 1000 }, () => {
      timeOrderedId();
      return randomId("sec");
    });
    for (const id of ids) expect(id).toMatch(/^sec_[A-Za-z0-9_-]{16}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

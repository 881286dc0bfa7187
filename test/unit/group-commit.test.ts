/** Group commit: concurrent adds share a write; each add settles with its own batch. */
import { describe, expect, it } from "vitest";
import { GroupCommit } from "../../services/support/group-commit.js";

describe("GroupCommit", () => {
  it("writes items added in the same turn together, and while a write runs, in the next batch", async () => {
    const batches: number[][] = [];
    let release: () => void = () => undefined;
    const commit = new GroupCommit<number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
    });
    const first = [1, 2, 3].map((n) => commit.add(n));
    await new Promise((resolve) => setImmediate(resolve));
    const second = [4, 5].map((n) => commit.add(n));
    release();
    await Promise.all([...first, ...second]);
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it("fails exactly the adds of a failed batch, and keeps going", async () => {
    let calls = 0;
    const commit = new GroupCommit<string>(async () => {
      calls++;
      if (calls === 1) throw new Error("disk full");
    });
    const failed = Promise.allSettled([commit.add("a"), commit.add("b")]);
    expect((await failed).map((r) => r.status)).toEqual(["rejected", "rejected"]);
    await expect(commit.add("c")).resolves.toBeUndefined();
  });

  it("splits a large burst into batches of at most the limit", async () => {
    const sizes: number[] = [];
    const commit = new GroupCommit<number>(async (items) => void sizes.push(items.length), 4);
    await Promise.all(Array.from({ length: 10 }, (_, i) => commit.add(i)));
    expect(sizes).toEqual([4, 4, 2]);
  });
});

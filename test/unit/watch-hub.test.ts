/**
 * The watch hub and the streams that follow it: each stream gets the changes
 * of its own (tenant, name) only, every stream sharing one shutdown signal
 * ends when it aborts, and each event's message is made once for all streams.
 */
import { describe, expect, it } from "vitest";
import type { SecretChangeEvent, SecretChangeFeed } from "../../services/ports/secret-change-feed.js";
import { followChanges } from "../../services/resolver/change-stream.js";
import { WatchHub } from "../../services/resolver/watch-hub.js";
import { oncePerObject } from "../../services/rpc/once-per-object.js";
import { secretChangeMessage } from "../../services/secrets/secret-messages.js";

function fakeFeed() {
  const listeners = new Set<(event: SecretChangeEvent) => void>();
  const feed: SecretChangeFeed = {
    onSecretChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  const emit = (tenantId: string, name: string, version: number): SecretChangeEvent => {
    const event: SecretChangeEvent = { tenantId, name, nameKey: name.toLowerCase(), kind: "VALUE_UPDATED", version, time: new Date(0) };
    for (const listener of listeners) listener(event);
    return event;
  };
  return { feed, emit, listenerCount: () => listeners.size };
}

/** A stream following `nameKeys` of `tenantId`; its messages are the events themselves, after a "subscribed" first. */
function follow(hub: WatchHub, tenantId: string, nameKeys: string[], signals: AbortSignal[]) {
  const received: SecretChangeEvent[] = [];
  const iterator = followChanges<SecretChangeEvent | "subscribed">(
    (listener) => hub.subscribe(tenantId, nameKeys, listener),
    signals,
    async () => "subscribed",
    (event) => event,
  )[Symbol.asyncIterator]();
  /** Reads the next `count` messages. */
  const read = async (count: number) => {
    for (let i = 0; i < count; i++) {
      const { value, done } = await iterator.next();
      if (done) throw new Error("the stream ended");
      if (value !== "subscribed") received.push(value);
    }
  };
  return { received, read, next: () => iterator.next() };
}

describe("WatchHub with many streams", () => {
  it("gives each stream the changes of its own tenant and names, and each of them", async () => {
    const { feed, emit } = fakeFeed();
    const hub = new WatchHub(feed);
    const shutdown = new AbortController();
    const streams = [
      ...Array.from({ length: 50 }, () => ({ tenant: "t1", keys: ["a"] })),
      ...Array.from({ length: 50 }, () => ({ tenant: "t1", keys: ["a", "b"] })),
      ...Array.from({ length: 50 }, () => ({ tenant: "t2", keys: ["a"] })),
    ].map(({ tenant, keys }) => ({ tenant, keys, ...follow(hub, tenant, keys, [new AbortController().signal, shutdown.signal]) }));
    await Promise.all(streams.map((stream) => stream.read(1)));

    const events = [emit("t1", "A", 2), emit("t2", "A", 7), emit("t1", "B", 3), emit("t1", "C", 1), emit("t1", "A", 3)];
    for (const stream of streams) {
      const expected = events.filter((event) => event.tenantId === stream.tenant && stream.keys.includes(event.nameKey));
      await stream.read(expected.length);
      expect(stream.received).toEqual(expected);
    }
    // Nothing more was queued for any stream: one last change to what all watch comes next.
    const fences = [emit("t1", "A", 4), emit("t2", "A", 8)];
    for (const stream of streams) {
      await stream.read(1);
      expect(stream.received.at(-1)).toBe(fences.find((event) => event.tenantId === stream.tenant));
    }
    shutdown.abort();
  });

  it("ends every stream when the one shutdown signal they share aborts, and lets go of the feed", async () => {
    const { feed, listenerCount } = fakeFeed();
    const hub = new WatchHub(feed);
    const shutdown = new AbortController();
    const streams = Array.from({ length: 200 }, (_, i) =>
      follow(hub, "t1", [`k${i % 7}`], [new AbortController().signal, shutdown.signal]),
    );
    await Promise.all(streams.map((stream) => stream.read(1)));
    expect(hub.subscriptionCount).toBe(200);

    const ends = streams.map((stream) => stream.next());
    shutdown.abort();
    for (const end of await Promise.all(ends)) expect(end.done).toBe(true);
    expect(hub.subscriptionCount).toBe(0);
    expect(listenerCount()).toBe(0);
  });

  it("ends only the stream whose own signal aborts", async () => {
    const { feed, emit } = fakeFeed();
    const hub = new WatchHub(feed);
    const shutdown = new AbortController();
    const own = new AbortController();
    const ending = follow(hub, "t1", ["a"], [own.signal, shutdown.signal]);
    const staying = follow(hub, "t1", ["a"], [new AbortController().signal, shutdown.signal]);
    await Promise.all([ending.read(1), staying.read(1)]);

    const end = ending.next();
    own.abort();
    expect((await end).done).toBe(true);
    const event = emit("t1", "A", 2);
    await staying.read(1);
    expect(staying.received).toEqual([event]);
    shutdown.abort();
  });
});

describe("one message per change event", () => {
  it("makes a value once per object, however often it is asked", () => {
    let made = 0;
    const double = oncePerObject((box: { n: number }) => {
      made++;
      return { doubled: box.n * 2 };
    });
    const one = { n: 1 };
    const two = { n: 2 };
    expect(double(one)).toBe(double(one));
    expect(double(two)).toEqual({ doubled: 4 });
    expect(double({ n: 1 })).not.toBe(double(one));
    expect(made).toBe(3);
  });

  it("shares a change's message between the streams it goes to, and makes each change its own", () => {
    const event = (version: number): SecretChangeEvent => ({
      tenantId: "t1",
      name: "A",
      nameKey: "a",
      kind: "VALUE_UPDATED",
      version,
      time: new Date(0),
    });
    const first = event(2);
    expect(secretChangeMessage(first)).toBe(secretChangeMessage(first));
    expect(secretChangeMessage(event(3)).version).toBe(3n);
    expect(secretChangeMessage(first).version).toBe(2n);
  });
});

/**
 * One watch stream's body (followChanges): the first message, then changes in
 * order, queued while the client is not reading, up to a bound past which the
 * stream ends with WATCHER_TOO_SLOW; whichever way it ends, it lets go of its
 * subscription and of its signals.
 */
import { describe, expect, it } from "vitest";
import { ServiceError } from "../../services/domain/errors.js";
import type { SecretChangeEvent } from "../../services/ports/secret-change-feed.js";
import { followChanges } from "../../services/resolver/change-stream.js";

function change(version: number): SecretChangeEvent {
  return { tenantId: "t1", name: "A", nameKey: "a", kind: "VALUE_UPDATED", version, time: new Date(0) };
}

/** A stream whose messages are the changes' versions, after 0 for its first message; the test sends the changes. */
function stream(signals: AbortSignal[] = [], first: () => Promise<number> = async () => 0) {
  let listener: ((event: SecretChangeEvent) => void) | undefined;
  const iterator = followChanges<number>(
    (subscribed) => {
      listener = subscribed;
      return () => (listener = undefined);
    },
    signals,
    first,
    (event) => event.version,
  )[Symbol.asyncIterator]();
  return { iterator, send: (version: number) => listener?.(change(version)), subscribed: () => listener !== undefined };
}

describe("followChanges", () => {
  it("gives the first message, then the changes in order, those sent while it was not read included", async () => {
    const { iterator, send } = stream();
    send(1); // before the first message is read: queued, not lost
    expect(await iterator.next()).toEqual({ value: 0, done: false });
    send(2);
    send(3);
    expect(await iterator.next()).toEqual({ value: 1, done: false });
    expect(await iterator.next()).toEqual({ value: 2, done: false });
    expect(await iterator.next()).toEqual({ value: 3, done: false });
    const waiting = iterator.next();
    send(4);
    expect(await waiting).toEqual({ value: 4, done: false });
  });

  it("ends with WATCHER_TOO_SLOW once its client leaves too many changes unread, and unsubscribes", async () => {
    const { iterator, send, subscribed } = stream();
    await iterator.next();
    for (let version = 1; version <= 1001; version++) send(version);
    const ended = await iterator.next().catch((error: unknown) => error);
    expect(ended).toBeInstanceOf(ServiceError);
    expect((ended as ServiceError).reason).toBe("WATCHER_TOO_SLOW");
    expect(subscribed()).toBe(false);
    expect((await iterator.next()).done).toBe(true);
  });

  it("keeps every change of a client that reads them, however many", async () => {
    const { iterator, send } = stream();
    await iterator.next();
    for (let version = 1; version <= 3000; version++) {
      send(version);
      expect((await iterator.next()).value).toBe(version);
    }
  });

  it("ends when a signal aborts, while waiting or not, and unsubscribes", async () => {
    const client = new AbortController();
    const { iterator, send, subscribed } = stream([client.signal, new AbortController().signal]);
    await iterator.next();
    const waiting = iterator.next();
    client.abort();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(subscribed()).toBe(false);
    send(1);
    expect((await iterator.next()).done).toBe(true);

    const shutdown = new AbortController();
    const other = stream([new AbortController().signal, shutdown.signal]);
    await other.iterator.next();
    other.send(1);
    shutdown.abort();
    expect((await other.iterator.next()).done).toBe(true);
    expect(other.subscribed()).toBe(false);
  });

  it("ends at once on a signal aborted before it began", async () => {
    const { iterator, subscribed } = stream([AbortSignal.abort()]);
    expect((await iterator.next()).done).toBe(true);
    expect(subscribed()).toBe(false);
  });

  it("unsubscribes when its first message fails, or when its reader returns", async () => {
    const failing = stream([], async () => {
      throw new ServiceError("no", { reason: "INTERNAL" });
    });
    await expect(failing.iterator.next()).rejects.toThrow("no");
    expect(failing.subscribed()).toBe(false);

    const returned = stream();
    await returned.iterator.next();
    await returned.iterator.return!();
    expect(returned.subscribed()).toBe(false);
    expect((await returned.iterator.next()).done).toBe(true);
  });
});

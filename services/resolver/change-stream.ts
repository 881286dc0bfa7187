/**
 * The body of a watch stream: a first message, then each change of the
 * secrets it follows. Written as an iterator rather than an async generator
 * because a change reaches every stream watching its secret: handing it
 * straight to the stream's waiting `next()` costs one promise per stream,
 * where a generator woken by a promise and resuming through `yield` cost
 * several (a tenth of a 10,000-stream fan-out's time).
 */
import { ServiceError } from "../domain/errors.js";
import type { SecretChangeEvent } from "../ports/secret-change-feed.js";

type Listener = (event: SecretChangeEvent) => void;

/** Events a slow stream may have queued before it is ended. */
const MAX_PENDING_EVENTS = 1000;

/**
 * Subscribes (through `subscribe`) before `first` is read, so no change falls
 * between the two; gives `first`, then each change as `toMessage` makes it,
 * until a signal aborts. A stream whose client falls too far behind ends with
 * RESOURCE_EXHAUSTED.
 */
export function followChanges<M>(
  subscribe: (listener: Listener) => () => void,
  signals: readonly AbortSignal[],
  first: () => Promise<M>,
  toMessage: (event: SecretChangeEvent) => M,
): AsyncIterable<M> {
  return { [Symbol.asyncIterator]: () => new ChangeStream(subscribe, signals, first, toMessage) };
}

class ChangeStream<M> implements AsyncIterator<M> {
  private readonly pending: SecretChangeEvent[] = [];
  private overflowed = false;
  /** The `next()` waiting for a change, when none is pending. */
  private waiting: ((result: IteratorResult<M>) => void) | undefined;
  private started = false;
  private ended = false;
  private readonly unsubscribe: () => void;
  private readonly stopListening: (() => void)[];

  constructor(
    subscribe: (listener: Listener) => () => void,
    signals: readonly AbortSignal[],
    private readonly first: () => Promise<M>,
    private readonly toMessage: (event: SecretChangeEvent) => M,
  ) {
    this.unsubscribe = subscribe((event) => this.changed(event));
    this.stopListening = signals.map((signal) => onAbort(signal, () => this.aborted()));
    // A signal aborts once: one aborted already ends the stream now, a later abort through its callback.
    if (signals.some((signal) => signal.aborted)) this.end();
  }

  next(): Promise<IteratorResult<M>> {
    if (this.ended) return Promise.resolve(this.end());
    if (!this.started) {
      this.started = true;
      return this.firstMessage();
    }
    if (this.overflowed) {
      this.end();
      return Promise.reject(new ServiceError("the watcher fell too far behind; subscribe again", { reason: "WATCHER_TOO_SLOW" }));
    }
    const event = this.pending.shift();
    if (event) return Promise.resolve({ value: this.toMessage(event), done: false });
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<M>> {
    return Promise.resolve(this.end());
  }

  private async firstMessage(): Promise<IteratorResult<M>> {
    try {
      return { value: await this.first(), done: false };
    } catch (error) {
      this.end();
      throw error;
    }
  }

  private changed(event: SecretChangeEvent): void {
    const waiting = this.waiting;
    if (waiting) {
      this.waiting = undefined;
      waiting({ value: this.toMessage(event), done: false });
    } else if (this.pending.length >= MAX_PENDING_EVENTS) this.overflowed = true;
    else this.pending.push(event);
  }

  private aborted(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    const ended = this.end();
    waiting?.(ended);
  }

  private end(): IteratorResult<M> {
    if (!this.ended) {
      this.ended = true;
      this.unsubscribe();
      for (const stop of this.stopListening) stop();
    }
    return { value: undefined, done: true };
  }
}

const abortCallbacks = new WeakMap<AbortSignal, Set<() => void>>();

/**
 * Calls `callback` when `signal` aborts; returns the function to stop. All
 * callbacks on one signal share one listener: Node's EventTarget compares each
 * new listener with every one it holds, so 10,000 streams each listening to
 * the one shutdown signal took quadratic time to open.
 */
function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let callbacks = abortCallbacks.get(signal);
  if (!callbacks) {
    const created = new Set<() => void>();
    signal.addEventListener(
      "abort",
      () => {
        for (const call of [...created]) call();
      },
      { once: true },
    );
    abortCallbacks.set(signal, created);
    callbacks = created;
  }
  const registered = callbacks;
  registered.add(callback);
  return () => registered.delete(callback);
}

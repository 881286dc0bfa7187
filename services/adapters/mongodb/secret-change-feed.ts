/**
 * The store's change feed over a MongoDB change stream on the secrets
 * collection, so a change committed through any service replica reaches the
 * watchers of every replica. Opened lazily with the first listener and closed
 * with the last; after an error, or a close it did not ask for (the
 * collection was dropped or renamed: an invalidate), it reopens after a pause
 * from the last resume token, so no committed change is skipped while the
 * oplog still holds it.
 *
 * A new stream starts `startMarginMs` before the first listener arrived, by
 * the cluster's clock (the operationTime the server reports), never the local
 * one: a host whose clock runs ahead of the primary would skip changes. The
 * stream's server-side cursor opens asynchronously, and a change committed in
 * between must not be lost. Watchers may so see a change from just before
 * they subscribed, which costs them a re-render at most.
 */
import { Timestamp, type ChangeStreamDocument, type Document, type ResumeToken } from "mongodb";
import type { SecretChangeEvent } from "../../ports/metadata-store.js";
import type { SecretDoc } from "./mongo-schema.js";

/**
 * Fields whose update is a change watchers are told of: the revision moves
 * with every version, state and metadata change; usage and access changes do
 * not move it. Anything else (a key-rotation rewrap, say) is never sent.
 */
const WATCHED_FIELDS = ["version", "state", "revision", "usageCount", "lastAccessTime"];

/** Server-side filter: inserts, deletes, and updates of a WATCHED_FIELDS field. */
export const SECRET_CHANGE_PIPELINE: Document[] = [
  {
    $match: {
      $or: [
        { operationType: { $in: ["insert", "delete"] } },
        {
          operationType: "update",
          $or: WATCHED_FIELDS.map((field) => ({ [`updateDescription.updatedFields.${field}`]: { $exists: true } })),
        },
      ],
    },
  },
];

/** Post-images describe updates exactly as committed; pre-images are the only description a delete has. */
export const SECRET_CHANGE_STREAM_OPTIONS = {
  fullDocument: "whenAvailable",
  fullDocumentBeforeChange: "whenAvailable",
} as const;

/** The port's event for one change stream document, or undefined for changes watchers are not told about. */
export function secretChangeFromStreamEvent(change: ChangeStreamDocument<SecretDoc>): SecretChangeEvent | undefined {
  const event = (doc: SecretDoc, kind: SecretChangeEvent["kind"], time: Date): SecretChangeEvent => ({
    tenantId: doc.tenantId,
    nameKey: doc.nameKey,
    name: doc.name,
    kind,
    version: doc.version,
    time,
  });
  switch (change.operationType) {
    case "insert":
      return event(change.fullDocument, "CREATED", change.fullDocument.createTime);
    case "update": {
      const after = change.fullDocument;
      if (!after) return undefined;
      const updated = change.updateDescription.updatedFields ?? {};
      if ("state" in updated)
        return after.state === "ARCHIVED"
          ? event(after, "ARCHIVED", after.archiveTime ?? after.updateTime)
          : event(after, "RESTORED", after.updateTime);
      if ("version" in updated) return event(after, "VALUE_UPDATED", after.updateTime);
      if ("revision" in updated) return event(after, "METADATA_UPDATED", after.updateTime);
      if ("usageCount" in updated) return event(after, "USAGE_UPDATED", change.wallTime ?? new Date());
      if ("lastAccessTime" in updated) return event(after, "USAGE_UPDATED", after.lastAccessTime ?? new Date());
      return undefined;
    }
    case "delete": {
      const before = change.fullDocumentBeforeChange;
      return before ? event(before, "DELETED", change.wallTime ?? new Date()) : undefined;
    }
    default:
      return undefined;
  }
}

/** The part of the driver's ChangeStream the feed uses. */
export interface ChangeStreamLike {
  on(event: "change", listener: (change: ChangeStreamDocument<SecretDoc>) => void): unknown;
  on(event: "resumeTokenChanged", listener: (token: ResumeToken) => void): unknown;
  on(event: "error", listener: (error: unknown) => void): unknown;
  /** The cursor ended: after an invalidate (collection dropped or renamed), or when closed. */
  on(event: "close" | "end", listener: () => void): unknown;
  close(): Promise<void>;
}

/** Where a (re)opened stream starts: after the last change seen, or at a cluster time. */
export type StreamStart = { resumeAfter: ResumeToken } | { startAtOperationTime: Timestamp };

export interface SecretChangeFeedOptions {
  /** Pause before reopening after an error; default 1000 ms. */
  retryDelayMs?: number;
  /** How far before the first subscription a new stream starts; default 2000 ms. */
  startMarginMs?: number;
  /** Told about stream errors and listener errors (the feed carries on). */
  onError?: (error: unknown) => void;
  /** Told when the feed goes down (an error or unasked close) and when it is open again. */
  onHealthChange?: (up: boolean) => void;
}

/** Resume tokens no longer in the oplog (ChangeStreamHistoryLost) or otherwise unusable (ChangeStreamFatalError). */
const TOKEN_UNUSABLE_CODES = new Set([280, 286]);

type Listener = (event: SecretChangeEvent) => void;

export class SecretChangeFeed {
  private readonly listeners = new Set<Listener>();
  private stream: ChangeStreamLike | undefined;
  private resumeToken: ResumeToken | undefined;
  private reopenTimer: NodeJS.Timeout | undefined;
  /** Bumped by stop() and each open, so an open still waiting for the server's time knows it is stale. */
  private generation = 0;
  private downSinceMs: number | undefined;

  constructor(
    private readonly openStream: (start: StreamStart) => ChangeStreamLike,
    /** The cluster's current time (a reply's operationTime). */
    private readonly clusterTime: () => Promise<Timestamp>,
    private readonly options: SecretChangeFeedOptions = {},
  ) {}

  subscribe(listener: Listener): () => void {
    // A wrapper per subscription: subscribing one function twice gives two subscriptions.
    const subscription: Listener = (event) => listener(event);
    this.listeners.add(subscription);
    if (this.listeners.size === 1) this.open();
    return () => {
      if (!this.listeners.delete(subscription)) return;
      if (this.listeners.size === 0) void this.stop();
    };
  }

  /** Since when the feed has been down while someone listens; undefined while it runs or nobody listens. */
  downSince(): Date | undefined {
    return this.downSinceMs === undefined ? undefined : new Date(this.downSinceMs);
  }

  async stop(): Promise<void> {
    this.listeners.clear();
    this.generation++;
    if (this.reopenTimer) clearTimeout(this.reopenTimer);
    this.reopenTimer = undefined;
    this.markUp();
    // A later first listener wants changes from then on, not from where this one stopped.
    this.resumeToken = undefined;
    const stream = this.stream;
    this.stream = undefined;
    await stream?.close().catch(() => undefined);
  }

  private open(): void {
    const generation = ++this.generation;
    void this.startPoint().then(
      (start) => {
        if (generation !== this.generation || this.listeners.size === 0) return;
        this.attach(this.openStream(start));
      },
      (error: unknown) => {
        if (generation === this.generation) this.reopenLater(error);
      },
    );
  }

  private async startPoint(): Promise<StreamStart> {
    if (this.resumeToken) return { resumeAfter: this.resumeToken };
    const now = await this.clusterTime();
    const marginSeconds = Math.ceil((this.options.startMarginMs ?? 2000) / 1000);
    return { startAtOperationTime: new Timestamp({ t: Math.max(0, now.t - marginSeconds), i: 0 }) };
  }

  private attach(stream: ChangeStreamLike): void {
    this.stream = stream;
    this.markUp();
    stream.on("resumeTokenChanged", (token) => {
      if (this.stream === stream) this.resumeToken = token;
    });
    stream.on("change", (change) => {
      if (this.stream !== stream) return;
      this.resumeToken = change._id;
      const event = secretChangeFromStreamEvent(change);
      if (event) this.emit(event);
    });
    stream.on("error", (error) => this.reopenAfter(stream, error));
    // No error, yet the stream is over: an invalidate. Its resume token cannot be resumed after.
    const ended = () => {
      if (this.stream !== stream) return;
      this.resumeToken = undefined;
      this.reopenAfter(stream, new Error("the secrets change stream ended (collection dropped or renamed?); reopening"));
    };
    stream.on("close", ended);
    stream.on("end", ended);
  }

  private reopenAfter(failed: ChangeStreamLike, error: unknown): void {
    if (this.stream !== failed) return;
    const code = (error as { code?: unknown } | null)?.code;
    if (typeof code === "number" && TOKEN_UNUSABLE_CODES.has(code)) this.resumeToken = undefined;
    this.stream = undefined;
    void failed.close().catch(() => undefined);
    this.reopenLater(error);
  }

  private reopenLater(error: unknown): void {
    this.options.onError?.(error);
    this.markDown();
    const generation = this.generation;
    this.reopenTimer = setTimeout(() => {
      this.reopenTimer = undefined;
      if (generation === this.generation && this.listeners.size > 0 && !this.stream) this.open();
    }, this.options.retryDelayMs ?? 1000);
    this.reopenTimer.unref();
  }

  private markDown(): void {
    if (this.downSinceMs !== undefined) return;
    this.downSinceMs = Date.now();
    this.options.onHealthChange?.(false);
  }

  private markUp(): void {
    if (this.downSinceMs === undefined) return;
    this.downSinceMs = undefined;
    this.options.onHealthChange?.(true);
  }

  private emit(event: SecretChangeEvent): void {
    for (const listener of [...this.listeners]) {
      try {
        listener(event);
      } catch (error) {
        this.options.onError?.(error);
      }
    }
  }
}

/**
 * Per-token rate limits (token buckets), one per rate-limit class of the
 * call-policy table, so one runaway workload or script cannot starve the
 * others. Over the limit, a call gets RESOURCE_EXHAUSTED with a
 * RetryInfo-style delay in its message.
 */
import { ServiceError } from "../domain/errors.js";
import type { RateLimitClass } from "./call-policy.js";

/** Calls per second per token in each class, with a burst of as many again; 0 turns a class's limit off. */
export type RateLimitConfig = Record<RateLimitClass, number>;

interface Bucket {
  tokens: number;
  updated: number;
}

/** Buckets idle this long are dropped, so memory stays bounded by active tokens. */
const IDLE_BUCKET_MS = 60_000;

/** Buckets per subject (a token, or a peer address) and class. */
export class RateLimiter<K extends string = RateLimitClass> {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep = 0;

  constructor(
    private readonly config: Record<K, number>,
    private readonly now: () => number = () => performance.now(),
    /** What a bucket belongs to, for the refusal's message. */
    private readonly subject = "token",
  ) {}

  /** Takes one call from the subject's bucket for this class (or, with `consume` false, only checks there is one), or throws RESOURCE_EXHAUSTED. */
  take(tokenId: string, kind: K, consume = true): void {
    const rate = this.config[kind];
    if (rate <= 0) return;
    const now = this.now();
    this.sweep(now);
    const key = `${kind}\u0000${tokenId}`;
    const capacity = rate * 2;
    const held = this.buckets.get(key);
    // A subject with no bucket has a full one: a check alone needs no bucket made.
    if (held === undefined && !consume) return;
    const bucket = held ?? { tokens: capacity, updated: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.updated) / 1000) * rate);
    bucket.updated = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) {
      const retryMs = Math.ceil(((1 - bucket.tokens) / rate) * 1000);
      throw new ServiceError(`rate limit of ${rate} ${kind} calls per second for this ${this.subject} exceeded; retry in ${retryMs} ms`, {
        reason: "RATE_LIMITED",
        metadata: { limit_per_second: String(rate), retry_after_ms: String(retryMs) },
      });
    }
    if (consume) bucket.tokens -= 1;
  }

  /** Buckets held now (one per token and class seen lately), to check that memory stays bounded. */
  get bucketCount(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    if (now - this.lastSweep < IDLE_BUCKET_MS) return;
    this.lastSweep = now;
    for (const [key, bucket] of this.buckets) if (now - bucket.updated > IDLE_BUCKET_MS) this.buckets.delete(key);
  }
}

/**
 * Per-token rate limits (token buckets) on resolves and on writes, so one
 * runaway workload or script cannot starve the others. Over the limit, a
 * call gets RESOURCE_EXHAUSTED with a RetryInfo-style delay in its message.
 */
import { ServiceError } from "../domain/errors.js";

export type RateLimitedClass = "resolve" | "write";

/** Calls per second per token, with a burst of as many again; 0 turns a limit off. */
export interface RateLimitConfig {
  resolvePerSecond: number;
  writePerSecond: number;
}

const RESOLVE_METHODS = new Set(["ResolveSecrets"]);
const WRITE_METHODS = new Set([
  "CreateSecret",
  "UpdateSecretValue",
  "RollbackSecret",
  "UpdateSecretMetadata",
  "ArchiveSecret",
  "RestoreSecret",
  "DeleteSecret",
  "SetConsumerReferences",
  "DeleteConsumer",
  "CreateTenant",
  "CreateApiToken",
  "RevokeApiToken",
  "RotateTenantKey",
]);

export function rateLimitedClass(shortMethod: string): RateLimitedClass | undefined {
  if (RESOLVE_METHODS.has(shortMethod)) return "resolve";
  if (WRITE_METHODS.has(shortMethod)) return "write";
  return undefined;
}

interface Bucket {
  tokens: number;
  updated: number;
}

/** Buckets idle this long are dropped, so memory stays bounded by active tokens. */
const IDLE_BUCKET_MS = 60_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep = 0;

  constructor(
    private readonly config: RateLimitConfig,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes one call from the token's bucket for this class, or throws RESOURCE_EXHAUSTED. */
  take(tokenId: string, kind: RateLimitedClass): void {
    const rate = kind === "resolve" ? this.config.resolvePerSecond : this.config.writePerSecond;
    if (rate <= 0) return;
    const now = this.now();
    this.sweep(now);
    const key = `${kind}\u0000${tokenId}`;
    const capacity = rate * 2;
    const bucket = this.buckets.get(key) ?? { tokens: capacity, updated: now };
    bucket.tokens = Math.min(capacity, bucket.tokens + ((now - bucket.updated) / 1000) * rate);
    bucket.updated = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens < 1) {
      const retryMs = Math.ceil(((1 - bucket.tokens) / rate) * 1000);
      throw new ServiceError(
        "RESOURCE_EXHAUSTED",
        `rate limit of ${rate} ${kind} calls per second for this token exceeded; retry in ${retryMs} ms`,
        { reason: "RATE_LIMITED", metadata: { limit_per_second: String(rate), retry_after_ms: String(retryMs) } },
      );
    }
    bucket.tokens -= 1;
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

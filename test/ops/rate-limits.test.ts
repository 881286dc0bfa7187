/**
 * The per-token token buckets, on an injected clock: a burst of twice the
 * rate, refill over time (capped), the retry delay in the refusal, tokens and
 * classes kept apart, 0 as no limit, and idle buckets swept away.
 */
import { describe, expect, it } from "vitest";
import { ServiceError } from "../../services/domain/errors.js";
import { RateLimiter, type RateLimitConfig } from "../../services/rpc/rate-limits.js";
import { statusCodeOf } from "../../services/rpc/status-codes.js";

const NO_LIMITS: RateLimitConfig = { read: 0, write: 0, resolve: 0, stream: 0 };

function limiterAt(config: RateLimitConfig) {
  const clock = { now: 1_000 };
  return { limiter: new RateLimiter(config, () => clock.now), clock };
}

function refusal(take: () => void): ServiceError {
  try {
    take();
  } catch (error) {
    expect(error).toBeInstanceOf(ServiceError);
    return error as ServiceError;
  }
  throw new Error("the call was not refused");
}

describe("RateLimiter", () => {
  it("allows a burst of twice the rate, then refuses with RESOURCE_EXHAUSTED and the delay to retry after", () => {
    const { limiter } = limiterAt({ ...NO_LIMITS, resolve: 5, write: 1 });
    for (let i = 0; i < 10; i++) limiter.take("token-a", "resolve");
    const error = refusal(() => limiter.take("token-a", "resolve"));
    expect(statusCodeOf(error)).toBe("RESOURCE_EXHAUSTED");
    expect(error.reason).toBe("RATE_LIMITED");
    expect(error.message).toBe("rate limit of 5 resolve calls per second for this token exceeded; retry in 200 ms");
    expect(error.metadata).toEqual({ limit_per_second: "5", retry_after_ms: "200" });
  });

  it("refills at the rate, and a refused call does not consume", () => {
    const { limiter, clock } = limiterAt({ ...NO_LIMITS, resolve: 2, write: 2 });
    for (let i = 0; i < 4; i++) limiter.take("t", "write");
    expect(refusal(() => limiter.take("t", "write")).metadata.retry_after_ms).toBe("500");
    clock.now += 200;
    expect(refusal(() => limiter.take("t", "write")).metadata.retry_after_ms).toBe("300");
    clock.now += 300;
    limiter.take("t", "write");
    expect(() => limiter.take("t", "write")).toThrow(ServiceError);
    clock.now += 1_000;
    limiter.take("t", "write");
    limiter.take("t", "write");
    expect(() => limiter.take("t", "write")).toThrow(ServiceError);
  });

  it("refills no further than the burst, however long the token was idle", () => {
    const { limiter, clock } = limiterAt({ ...NO_LIMITS, resolve: 3, write: 3 });
    limiter.take("t", "resolve");
    clock.now += 3_600_000;
    for (let i = 0; i < 6; i++) limiter.take("t", "resolve");
    expect(() => limiter.take("t", "resolve")).toThrow(ServiceError);
  });

  it("keeps tokens and classes apart", () => {
    const { limiter } = limiterAt({ ...NO_LIMITS, resolve: 1, write: 1 });
    limiter.take("a", "resolve");
    limiter.take("a", "resolve");
    expect(() => limiter.take("a", "resolve")).toThrow(ServiceError);
    limiter.take("b", "resolve");
    limiter.take("a", "write");
    limiter.take("a", "write");
    expect(refusal(() => limiter.take("a", "write")).message).toMatch(/^rate limit of 1 write calls per second/);
  });

  it("does not limit a class whose rate is 0", () => {
    const { limiter } = limiterAt({ ...NO_LIMITS, resolve: 0, write: 1 });
    for (let i = 0; i < 1_000; i++) limiter.take("t", "resolve");
    expect(limiter.bucketCount).toBe(0);
  });

  it("sweeps buckets idle for over a minute, keeping the active ones", () => {
    const { limiter, clock } = limiterAt({ ...NO_LIMITS, resolve: 10, write: 10 });
    for (let i = 0; i < 100; i++) limiter.take(`idle-${i}`, "resolve");
    limiter.take("busy", "write");
    expect(limiter.bucketCount).toBe(101);
    // Two sweeps at most a minute apart: by the second, the idle ones are over a minute old.
    for (let step = 0; step < 4; step++) {
      clock.now += 30_001;
      limiter.take("busy", "write");
    }
    expect(limiter.bucketCount).toBe(1);
    // A swept token comes back with a full burst.
    for (let i = 0; i < 20; i++) limiter.take("idle-0", "resolve");
    expect(() => limiter.take("idle-0", "resolve")).toThrow(ServiceError);
  });
});

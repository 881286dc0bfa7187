/** The cache of authenticated callers: read once, refused at once when revoked or expired, re-read when old. */
import { describe, expect, it } from "vitest";
import { ReadGate } from "../support/read-gate.js";
import { hashApiToken } from "../../services/auth/api-tokens.js";
import { CallerCache } from "../../services/auth/caller-cache.js";
import { ServiceError } from "../../services/domain/errors.js";
import type { ApiTokenRecord } from "../../services/ports/api-token-store.js";
import { statusCodeOf } from "../../services/rpc/status-codes.js";

const BEARER = "sst_cached-token";
const HEADER = `Bearer ${BEARER}`;
const T0 = new Date("2026-01-01T00:00:00Z");
const at = (ms: number) => new Date(T0.getTime() + ms);

/** A store holding one token; counts its reads, and can hold a read until released. */
function storeWith(token: ApiTokenRecord) {
  const gate = new ReadGate();
  const store = {
    reads: 0,
    token,
    hold: () => gate.hold(),
    async findApiTokenByHash(hash: string) {
      store.reads++;
      const found = hash === store.token.hash ? { ...store.token } : undefined;
      await gate.pass();
      return found;
    },
  };
  return store;
}

function token(overrides: Partial<ApiTokenRecord> = {}): ApiTokenRecord {
  return {
    tenantId: "t1",
    id: "tok_1",
    hash: hashApiToken(BEARER),
    displayName: "",
    role: "WORKLOAD",
    allowedSecretPatterns: ["*"],
    createTime: T0,
    createdBy: "",
    ...overrides,
  };
}

async function refusal(call: Promise<unknown>): Promise<string | undefined> {
  try {
    await call;
    return undefined;
  } catch (error) {
    return error instanceof ServiceError ? statusCodeOf(error) : String(error);
  }
}

describe("CallerCache", () => {
  it("reads a token once and answers later calls from memory", async () => {
    const store = storeWith(token());
    const cache = new CallerCache(store, 5_000);
    const first = await cache.authenticate(HEADER, at(0));
    const second = await cache.authenticate(HEADER, at(10));
    expect(second).toEqual(first);
    expect(first.tokenId).toBe("tok_1");
    expect(store.reads).toBe(1);
  });

  it("refuses a remembered token as soon as it is revoked through this process", async () => {
    const store = storeWith(token());
    const cache = new CallerCache(store, 5_000);
    await cache.authenticate(HEADER, at(0));
    store.token = token({ revokeTime: at(1) });
    cache.revoked("tok_1");
    expect(await refusal(cache.authenticate(HEADER, at(2)))).toBe("UNAUTHENTICATED");
  });

  it("does not remember a lookup that was in flight when the token was revoked", async () => {
    const store = storeWith(token());
    const cache = new CallerCache(store, 5_000);
    const release = store.hold();
    const inFlight = cache.authenticate(HEADER, at(0));
    store.token = token({ revokeTime: at(1) });
    cache.revoked("tok_1");
    release();
    await inFlight; // read before the revocation: that call may pass
    expect(await refusal(cache.authenticate(HEADER, at(2)))).toBe("UNAUTHENTICATED");
    expect(store.reads).toBe(2);
  });

  it("re-reads a token older than the maximum age, so a revocation elsewhere is seen", async () => {
    const store = storeWith(token());
    const cache = new CallerCache(store, 5_000);
    await cache.authenticate(HEADER, at(0));
    store.token = token({ revokeTime: at(1) });
    await cache.authenticate(HEADER, at(4_999));
    expect(await refusal(cache.authenticate(HEADER, at(5_000)))).toBe("UNAUTHENTICATED");
  });

  it("refuses a remembered token once it has expired", async () => {
    const store = storeWith(token({ expireTime: at(100) }));
    const cache = new CallerCache(store, 5_000);
    await cache.authenticate(HEADER, at(0));
    expect(await refusal(cache.authenticate(HEADER, at(100)))).toBe("UNAUTHENTICATED");
    expect(store.reads).toBe(1);
  });

  it("never remembers an unknown token", async () => {
    const store = storeWith(token());
    const cache = new CallerCache(store, 5_000);
    expect(await refusal(cache.authenticate("Bearer sst_other", at(0)))).toBe("UNAUTHENTICATED");
    expect(await refusal(cache.authenticate("Bearer sst_other", at(1)))).toBe("UNAUTHENTICATED");
    expect(store.reads).toBe(2);
  });
});

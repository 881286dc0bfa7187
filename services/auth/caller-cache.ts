/**
 * Authenticated callers remembered by token hash, so that a call with a known
 * token costs a hash and a map lookup instead of a store read and a MAC check.
 *
 * - Revoked through this process: forgotten at once, and a lookup of it that
 *   was in flight when it was revoked is not remembered.
 * - Revoked through another replica: re-read at the latest `maxAgeMs` after it
 *   was read, the bound open streams already have (TokenWatch, the
 *   `--token-recheck-ms` flag).
 * - Expired: checked on every call against the remembered expiry.
 * Unknown and inactive tokens are never remembered, so bogus tokens grow
 * nothing (they are limited per peer instead). Bounded; forgotten whole when full.
 */
import type { ApiTokenStore } from "../ports/api-token-store.js";
import { bearerToken, callerOf, hashApiToken, tokenNotValid, type Caller } from "./api-tokens.js";

interface Remembered {
  caller: Caller;
  readAt: number;
}

const MAX_REMEMBERED = 10_000;

export class CallerCache {
  private readonly byHash = new Map<string, Remembered>();
  /** Counts revocations: a lookup that overlapped one is not remembered. */
  private revocations = 0;

  constructor(
    private readonly store: Pick<ApiTokenStore, "findApiTokenByHash">,
    private readonly maxAgeMs: number,
  ) {}

  /** Resolves an `authorization` header value to a caller, or throws UNAUTHENTICATED. */
  async authenticate(authorization: string | undefined, now: Date): Promise<Caller> {
    const hash = hashApiToken(bearerToken(authorization));
    const remembered = this.byHash.get(hash);
    if (remembered && now.getTime() - remembered.readAt < this.maxAgeMs) {
      const { expireTime } = remembered.caller;
      if (expireTime === undefined || expireTime > now) return remembered.caller;
      this.byHash.delete(hash);
      throw tokenNotValid();
    }
    const revocationsBefore = this.revocations;
    const caller = callerOf(await this.store.findApiTokenByHash(hash), now);
    if (this.revocations === revocationsBefore) {
      if (this.byHash.size >= MAX_REMEMBERED) this.byHash.clear();
      this.byHash.set(hash, { caller: Object.freeze(caller), readAt: now.getTime() });
    } else this.byHash.delete(hash);
    return caller;
  }

  /** Told when a token is revoked through this process: it authenticates no one from now on. */
  revoked(tokenId: string): void {
    this.revocations++;
    for (const [hash, { caller }] of this.byHash) if (caller.tokenId === tokenId) this.byHash.delete(hash);
  }
}

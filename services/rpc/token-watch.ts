/**
 * Ends open streams whose token stops being valid: at its expiry time, at
 * once when it is revoked through this process, and within `recheckMs` when
 * it is revoked anywhere else (another replica), by re-reading the token row.
 */
import { authenticate, type Caller } from "../auth/api-tokens.js";
import { ServiceError } from "../domain/errors.js";
import type { Logger } from "../logger.js";
import type { ApiTokenStore } from "../ports/api-token-store.js";
import { statusCodeOf } from "./status-codes.js";

interface WatchedStream {
  caller: Caller;
  authorization: string | undefined;
  end: () => void;
}

/** setTimeout's longest delay; a later expiry is caught by the periodic re-check. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export class TokenWatch {
  private readonly streams = new Set<WatchedStream>();
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(
    private readonly store: Pick<ApiTokenStore, "findApiTokenByHash">,
    private readonly logger: Logger,
    private readonly recheckMs: number,
  ) {}

  /** Calls `end` once the stream's token is no longer valid; returns the function to stop watching. */
  watch(caller: Caller, authorization: string | undefined, end: () => void): () => void {
    const stream: WatchedStream = { caller, authorization, end };
    this.streams.add(stream);
    const untilExpiry = caller.expireTime && caller.expireTime.getTime() - Date.now();
    const expiry = untilExpiry !== undefined && untilExpiry < MAX_TIMER_MS ? setTimeout(end, Math.max(0, untilExpiry)) : undefined;
    this.timer ??= setInterval(() => void this.recheck(), this.recheckMs).unref();
    return () => {
      clearTimeout(expiry);
      this.streams.delete(stream);
      if (this.streams.size === 0) {
        clearInterval(this.timer);
        this.timer = undefined;
      }
    };
  }

  /** Told by RevokeApiToken: that token's streams end now. */
  revoked(tokenId: string): void {
    for (const stream of this.streams) if (stream.caller.tokenId === tokenId) stream.end();
  }

  private async recheck(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      const byHeader = new Map<string | undefined, WatchedStream[]>();
      for (const stream of this.streams) {
        const streams = byHeader.get(stream.authorization);
        if (streams) streams.push(stream);
        else byHeader.set(stream.authorization, [stream]);
      }
      for (const [authorization, streams] of byHeader) {
        try {
          await authenticate(this.store, authorization, new Date());
        } catch (error) {
          // Only a token found invalid ends its streams; a store outage does not.
          if (error instanceof ServiceError && statusCodeOf(error) === "UNAUTHENTICATED") for (const stream of streams) stream.end();
          else this.logger.warn({ err: error }, "could not re-check a streaming token; its streams stay open until the next check");
        }
      }
    } finally {
      this.checking = false;
    }
  }
}

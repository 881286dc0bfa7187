/**
 * The path every call takes, whatever the transport: authenticate, apply the
 * method's policy (rate limit, permission, stream slots), run the handler,
 * map its error to a status, write the audit record the policy asks for, log
 * one line.
 */
import { randomUUID } from "node:crypto";
import { type AuditEntry, AuditLog, type AuditNote } from "../audit/audit-log.js";
import type { Caller } from "../auth/api-tokens.js";
import { CallerCache } from "../auth/caller-cache.js";
import type { StatusCodeName } from "../../kernel/status-code-names.js";
import { ServiceError, unauthenticated } from "../domain/errors.js";
import type { Logger } from "../logger.js";
import type { ApiTokenStore } from "../ports/api-token-store.js";
import type { AuditStore } from "../ports/audit-store.js";
import { authorize, type CallContext } from "./call-context.js";
import { auditedNames, policyOf, streamLimitsOf, type StreamLimitConfig } from "./call-policy.js";
import { RateLimiter, type RateLimitConfig } from "./rate-limits.js";
import { toServiceError } from "./status.js";
import { statusCodeOf } from "./status-codes.js";
import { StreamSlots } from "./stream-slots.js";
import { TokenWatch } from "./token-watch.js";

/** Told of every call's end (and of streams' start), e.g. by the metrics. */
export interface CallObserver {
  callEnded(method: string, code: StatusCodeName | "OK", seconds: number, resolvedSecrets: number): void;
  streamStarted(method: string): void;
  streamEnded(method: string): void;
}

export interface PipelineOptions {
  rateLimits: RateLimitConfig;
  streamLimits: StreamLimitConfig;
  /** Failed authentications per second per peer address (burst twice that); 0 for no limit. */
  authFailuresPerPeer: number;
  /**
   * How often open streams re-read their token, and how long an authenticated
   * token is remembered: a revocation through another replica ends its streams
   * and its calls within this time.
   */
  tokenRecheckMs: number;
  /** Unary calls taking longer end with DEADLINE_EXCEEDED; 0 for no limit. */
  callTimeoutMs: number;
  observer?: CallObserver;
}

export interface CallStart {
  /** `secrets.v1.SecretsService/CreateSecret` */
  method: string;
  authorization: string | undefined;
  signal: AbortSignal;
  /** The caller's address (`ip:port`), for the log and the per-peer limit on failed authentication. */
  peer?: string;
  /** Throws INVALID_ARGUMENT for a request the transport could not decode; checked before the permission. */
  checkRequest?: () => void;
}

export class CallPipeline {
  private readonly auditLog: AuditLog;
  private readonly rateLimiter: RateLimiter;
  private readonly streamSlots = new StreamSlots();
  private readonly tokenWatch: TokenWatch;
  private readonly callers: CallerCache;
  private readonly peerFailures: RateLimiter<"failed-authentication">;

  constructor(
    store: Pick<ApiTokenStore, "findApiTokenByHash"> & Pick<AuditStore, "appendAuditEvents">,
    private readonly logger: Logger,
    private readonly options: PipelineOptions,
  ) {
    this.auditLog = new AuditLog(store);
    this.rateLimiter = new RateLimiter(options.rateLimits);
    this.tokenWatch = new TokenWatch(store, logger, options.tokenRecheckMs);
    this.callers = new CallerCache(store, options.tokenRecheckMs);
    this.peerFailures = new RateLimiter({ "failed-authentication": options.authFailuresPerPeer }, undefined, "address");
  }

  /** Runs a unary call; rejects with a ServiceError only. */
  async unary<T>(start: CallStart, handler: (ctx: CallContext) => Promise<T>): Promise<T> {
    const began = performance.now();
    const requestId = randomUUID();
    let ctx: CallContext | undefined;
    let work: Promise<T> | undefined;
    try {
      ctx = await this.contextFor(start, requestId);
      start.checkRequest?.();
      authorize(ctx.caller, ctx.policy.permission);
      work = handler(ctx);
      const result = await withTimeout(work, this.options.callTimeoutMs);
      await this.finish(start, requestId, began, ctx, "OK");
      return result;
    } catch (thrown) {
      if (thrown instanceof CallTimeout && ctx && work) {
        // The client gets its answer now; the audit records what the handler
        // really did (a write may still commit), once it is done.
        const late = ctx;
        work.then(
          () => this.auditLate(late, "OK", requestId),
          (error: unknown) => this.auditLate(late, statusCodeOf(toServiceError(error, requestId).error), requestId),
        );
        throw await this.fail(start, requestId, began, undefined, thrown);
      }
      throw await this.fail(start, requestId, began, ctx, thrown);
    }
  }

  /** Audits without failing the call: the call's own outcome is already decided. */
  private async auditLate(ctx: CallContext, status: StatusCodeName | "OK", requestId: string): Promise<void> {
    // A write that stored its success record with its change did happen: that record stands,
    // whatever failed after it (the call's log line says what).
    if (ctx.audit.recordedWithChange) return;
    if (status === "OK" && ctx.policy.audit.record !== "every-call") return;
    try {
      await this.audit(ctx, status);
    } catch (auditError) {
      this.logger.error({ requestId, err: auditError }, "audit record could not be written");
    }
  }

  /** Runs a server-streaming call; the returned iterable throws ServiceErrors only. */
  async *serverStream<T>(start: CallStart, handler: (ctx: CallContext) => AsyncIterable<T>): AsyncIterable<T> {
    const began = performance.now();
    const requestId = randomUUID();
    let ctx: CallContext | undefined;
    let releaseSlot: (() => void) | undefined;
    let stopWatchingToken: (() => void) | undefined;
    // The handler's signal: aborted when the client goes, or when the token is revoked or expires.
    // (One controller the client's signal aborts, not AbortSignal.any: that costs three signals and
    // their weak references per stream, and streams are held by the ten thousand.)
    const ended = new AbortController();
    let tokenEnded = false;
    const endForToken = () => {
      tokenEnded = true;
      ended.abort();
    };
    const clientGone = () => ended.abort();
    start.signal.addEventListener("abort", clientGone, { once: true });
    if (start.signal.aborted) ended.abort();
    this.options.observer?.streamStarted(start.method);
    try {
      ctx = await this.contextFor({ ...start, signal: ended.signal }, requestId);
      start.checkRequest?.();
      authorize(ctx.caller, ctx.policy.permission);
      releaseSlot = this.streamSlots.take(ctx.caller.tokenId, start.method, ctx.streamLimits?.maxOpenPerToken ?? 1);
      const caller = ctx.caller;
      stopWatchingToken = this.tokenWatch.watch(caller, start.authorization, endForToken);
      for await (const message of handler(ctx)) {
        if (caller.expireTime && caller.expireTime <= new Date()) endForToken();
        if (tokenEnded) break;
        yield message;
      }
      if (tokenEnded) throw unauthenticated("the token was revoked or has expired; the stream is closed");
      await this.finish(start, requestId, began, ctx, "OK");
    } catch (thrown) {
      // A client that hung up ended a stream normally, as far as the server is concerned.
      if (start.signal.aborted && ctx) {
        await this.finish(start, requestId, began, ctx, "OK");
        return;
      }
      throw await this.fail(start, requestId, began, ctx, thrown);
    } finally {
      start.signal.removeEventListener("abort", clientGone);
      stopWatchingToken?.();
      releaseSlot?.();
      this.options.observer?.streamEnded(start.method);
    }
  }

  /** Told by RevokeApiToken: that token's calls are refused and its open streams end, now. */
  tokenRevoked(tokenId: string): void {
    this.callers.revoked(tokenId);
    this.tokenWatch.revoked(tokenId);
  }

  /**
   * Authenticates, limiting failures per peer address: a peer over its limit
   * is refused before its token is even looked up, so guessing tokens or
   * flooding with bogus ones costs it more than it costs the service.
   */
  private async authenticateFrom(start: CallStart): Promise<Caller> {
    const peer = addressOf(start.peer);
    this.peerFailures.take(peer, "failed-authentication", false);
    try {
      return await this.callers.authenticate(start.authorization, new Date());
    } catch (error) {
      if (error instanceof ServiceError && statusCodeOf(error) === "UNAUTHENTICATED") this.peerFailures.take(peer, "failed-authentication");
      throw error;
    }
  }

  private async contextFor(start: CallStart, requestId: string): Promise<CallContext> {
    const policy = policyOf(start.method);
    const caller = await this.authenticateFrom(start);
    // Before the permission check, so that denials are limited too (and, refused here, leave no audit row).
    this.rateLimiter.take(caller.tokenId, policy.rateLimit);
    const ctx = new PipelineCallContext(caller, policy, requestId, start);
    if (policy.stream) ctx.streamLimits = streamLimitsOf(policy.stream, this.options.streamLimits);
    if (policy.audit.record === "every-call")
      ctx.auditEventOnSuccess = (change) => AuditLog.eventOf(this.auditEntry(ctx, "OK", { ...ctx.audit, version: change.version }));
    return ctx;
  }

  private async finish(start: CallStart, requestId: string, began: number, ctx: CallContext, status: "OK"): Promise<void> {
    if (ctx.policy.audit.record === "every-call" && !ctx.audit.recordedWithChange) await this.audit(ctx, status);
    const resolved = shortName(start.method) === "ResolveSecrets" ? ctx.audit.resources.length : 0;
    this.options.observer?.callEnded(start.method, status, (performance.now() - began) / 1000, resolved);
    this.logger.debug(logFields(start, requestId, began, ctx.caller, status), "call");
  }

  private async fail(
    start: CallStart,
    requestId: string,
    began: number,
    ctx: CallContext | undefined,
    thrown: unknown,
  ): Promise<ServiceError> {
    const { error, unexpected } = toServiceError(thrown, requestId);
    if (unexpected) this.logger.error({ requestId, method: start.method, err: thrown }, "call failed unexpectedly");
    const code = statusCodeOf(error);
    // Unauthenticated calls have no tenant to audit in: the log line is their record.
    if (ctx) await this.auditLate(ctx, code, requestId);
    this.logger.info({ ...logFields(start, requestId, began, ctx?.caller, code), reason: error.reason }, "call");
    this.options.observer?.callEnded(start.method, code, (performance.now() - began) / 1000, 0);
    return error;
  }

  private audit(ctx: CallContext, status: StatusCodeName | "OK"): Promise<void> {
    return this.auditLog.record(this.auditEntry(ctx, status, ctx.audit));
  }

  private auditEntry(ctx: CallContext, status: StatusCodeName | "OK", note: AuditNote): AuditEntry {
    return {
      tenantId: ctx.caller.tenantId,
      actorTokenId: ctx.caller.tokenId,
      action: ctx.method,
      status,
      note: { ...note, resources: auditedNames(ctx.policy.audit, status === "PERMISSION_DENIED", note.resources) },
    };
  }
}

/**
 * A call's context. Its signal is the transport's, read only when a handler
 * asks (no unary handler does): a transport may then make it lazily
 * (grpc-service.ts). A class, so the getter sits on one shared prototype.
 */
class PipelineCallContext implements CallContext {
  readonly method: string;
  streamLimits?: CallContext["streamLimits"];
  readonly audit: AuditNote = { resources: [] };
  auditEventOnSuccess?: CallContext["auditEventOnSuccess"];

  constructor(
    readonly caller: Caller,
    readonly policy: CallContext["policy"],
    readonly requestId: string,
    private readonly start: CallStart,
  ) {
    this.method = start.method;
  }

  get signal(): AbortSignal {
    return this.start.signal;
  }
}

class CallTimeout extends ServiceError {}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  if (ms <= 0) return work;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new CallTimeout(`the call took longer than the service's limit of ${ms} ms`, { reason: "CALL_TIMEOUT" })),
      ms,
    );
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

function shortName(method: string): string {
  return method.slice(method.lastIndexOf("/") + 1);
}

/** The address of `host:port` or `[v6]:port`, without the port: one host's many connections share a limit. */
function addressOf(peer: string | undefined): string {
  if (peer === undefined) return "unknown";
  if (peer.startsWith("[")) return peer.slice(1, peer.indexOf("]"));
  const colon = peer.lastIndexOf(":");
  return colon < 0 ? peer : peer.slice(0, colon);
}

function logFields(start: CallStart, requestId: string, began: number, caller: Caller | undefined, status: string) {
  return {
    requestId,
    peer: start.peer,
    method: start.method,
    tenant: caller?.tenantId,
    tokenId: caller?.tokenId,
    status,
    ms: Math.round((performance.now() - began) * 10) / 10,
  };
}

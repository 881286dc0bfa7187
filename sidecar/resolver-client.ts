/**
 * The sidecar's connection to ResolverService: gRPC over HTTP/2 (grpc-channel.ts), TLS when asked, the bearer token read from a file on every
 * call (so a rotated, re-mounted token is picked up; see local-files.ts), a
 * deadline per call, and retries of transient failures with capped exponential backoff and jitter.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import {
  ResolverService,
  type ResolveSecretsResponse,
  type WatchedSecret,
  type WatchSecretsResponse,
  WatchEventType,
} from "../gen/secrets/v1/resolver_service_pb.js";
import type { Role } from "../gen/secrets/v1/types_pb.js";
import { backoffDelayMs, sleep, type BackoffOptions } from "./backoff.js";
import { describeTlsMismatch } from "../kernel/tls-mismatch.js";
import { createGrpcChannel, type GrpcChannel } from "./grpc-channel.js";
import { LocalFault, readCaFile, readToken } from "./local-files.js";

const SIDECAR_TLS_FLAGS = "--tls (or --ca-file FILE for a private CA)";
const SIDECAR_PLAINTEXT_FLAGS = "drop --tls and --ca-file, and unset SECRETS_TLS and SECRETS_CA_FILE";

export interface ConnectionOptions {
  /** host:port, or a URL (http:// or https://). */
  address: string;
  tokenFile: string;
  /** CA certificate (PEM) to verify the service with; implies TLS. */
  caFile?: string;
  tls: boolean;
  timeoutMs: number;
  /** Retries of a failed unary call before giving up. */
  retries: number;
  backoff: BackoffOptions;
}

/** Failures worth another try: the service or the network, not the request. */
const TRANSIENT = new Set([Code.Unavailable, Code.DeadlineExceeded, Code.ResourceExhausted, Code.Aborted, Code.Internal]);

export function isTransient(error: unknown): boolean {
  return ConnectError.from(error).code !== undefined && TRANSIENT.has(ConnectError.from(error).code);
}

export function baseUrlOf(options: Pick<ConnectionOptions, "address" | "caFile" | "tls">): string {
  if (/^https?:\/\//.test(options.address)) return options.address;
  return `${options.tls || options.caFile !== undefined ? "https" : "http"}://${options.address}`;
}

export interface ResolverClient {
  resolveSecrets(references: string[], consumerId: string, signal?: AbortSignal): Promise<ResolveSecretsResponse>;
  setConsumerReferences(consumerId: string, references: string[], signal?: AbortSignal): Promise<void>;
  /** The raw stream; the caller handles reconnection. */
  watchSecrets(names: string[], signal: AbortSignal): AsyncIterable<WatchSecretsResponse>;
  /** Versions and states of these names, from the first message of a WatchSecrets stream that is then closed; retried like a unary call. */
  snapshot(names: string[], signal?: AbortSignal): Promise<WatchedSecret[]>;
  /** The role of the token (AdminService.GetCaller, loaded only when asked: plan mode). */
  callerRole(signal?: AbortSignal): Promise<Role>;
}

export function createResolverClient(options: ConnectionOptions): ResolverClient {
  // Read before each call, outside the transport, so that a local fault stays a LocalFault.
  const headers = () => ({ authorization: `Bearer ${readToken(options.tokenFile)}` });
  const ca = options.caFile === undefined ? undefined : readCaFile(options.caFile);
  const channel = createGrpcChannel({
    baseUrl: baseUrlOf(options),
    // Pings find a dead connection under a quiet watch stream.
    pingIntervalMs: 15_000,
    ...(ca !== undefined && { ca }),
  });
  const methods = ResolverService.method;

  async function withRetries<T>(call: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        // TLS on one side only is the caller's setting to fix: a local fault, said once, never retried.
        const mismatch = await describeTlsMismatch(error, {
          baseUrl: baseUrlOf(options),
          tlsFlags: SIDECAR_TLS_FLAGS,
          plaintextFlags: SIDECAR_PLAINTEXT_FLAGS,
        });
        if (mismatch !== undefined) throw new LocalFault(mismatch);
        if (attempt >= options.retries || !isTransient(error) || signal?.aborted) throw error;
        await sleep(backoffDelayMs(attempt, options.backoff), signal);
      }
    }
  }

  return {
    resolveSecrets: (references, consumerId, signal) =>
      withRetries(
        () =>
          channel.unary(methods.resolveSecrets, { references, consumerId }, { timeoutMs: options.timeoutMs, signal, headers: headers() }),
        signal,
      ),
    setConsumerReferences: async (consumerId, references, signal) => {
      await withRetries(
        () =>
          channel.unary(
            methods.setConsumerReferences,
            { consumerId, references },
            { timeoutMs: options.timeoutMs, signal, headers: headers() },
          ),
        signal,
      );
    },
    watchSecrets: (names, signal) => channel.serverStream(methods.watchSecrets, { names }, { signal, headers: headers() }),
    snapshot: (names, signal) => withRetries(() => firstSnapshot(channel, names, headers(), signal), signal),
    callerRole: async (signal) => {
      const { AdminService } = await import("../gen/secrets/v1/admin_service_pb.js");
      const getCaller = () =>
        channel.unary(AdminService.method.getCaller, {}, { timeoutMs: options.timeoutMs, signal, headers: headers() });
      return (await withRetries(getCaller, signal)).role;
    },
  };
}

async function firstSnapshot(
  channel: GrpcChannel,
  names: string[],
  headers: Record<string, string>,
  signal?: AbortSignal,
): Promise<WatchedSecret[]> {
  const stream = new AbortController();
  const stop = () => stream.abort();
  signal?.addEventListener("abort", stop, { once: true });
  try {
    for await (const event of channel.serverStream(ResolverService.method.watchSecrets, { names }, { signal: stream.signal, headers })) {
      if (event.type === WatchEventType.SUBSCRIBED) return event.snapshot;
    }
    throw new ConnectError("the service ended the stream before its snapshot", Code.Unavailable);
  } finally {
    signal?.removeEventListener("abort", stop);
    stream.abort();
  }
}

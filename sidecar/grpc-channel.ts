/**
 * A small gRPC client on Node's http2 for the sidecar's few calls (unary and
 * server-streaming), with the generated protobuf-es codecs. connect-node's
 * transport costs the sidecar ~10 MB and 30 ms at start-up, mostly Node's
 * fetch implementation behind the `Headers` it builds for every call
 * (BENCHMARKS.md, "Sidecar footprint"). One HTTP/2 connection, opened on the
 * first call and replaced once closed, refused, told to go away, or when a
 * call on it missed its deadline; PING frames every `pingIntervalMs` while a
 * call is open find a dead connection under a quiet watch stream, and a
 * connection whose peer has not spoken HTTP/2 within `connectTimeoutMs` is
 * given up. A connection keeps the process alive only while a call is open
 * on it. Responses are checked, and failures made into ConnectErrors, by
 * Connect's own gRPC protocol functions and connect-node's mappings
 * (grpc-response.ts, grpc-errors.ts).
 */
import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream } from "node:http2";
import {
  create,
  fromBinary,
  toBinary,
  type DescMessage,
  type DescMethod,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { envelope } from "./grpc-envelope.js";
import { connectErrorFromNodeReason } from "./grpc-errors.js";
import { ResponseReader } from "./grpc-response.js";

/** A generated method with its message types. */
export type Method<I extends DescMessage, O extends DescMessage> = DescMethod & { input: I; output: O };

export interface CallOptions {
  /** Deadline of the whole call (sent as grpc-timeout too); none when undefined. */
  timeoutMs?: number;
  signal?: AbortSignal;
  headers: Record<string, string>;
}

export interface GrpcChannelOptions {
  /** http://host:port or https://host:port */
  baseUrl: string;
  /** CA certificates (PEM) to verify the service with, instead of the system's. */
  ca?: Buffer;
  pingIntervalMs: number;
  /** How long a PING may go unanswered before its connection is given up (connect-node's default, 15 s). */
  pingTimeoutMs?: number;
  /** How long a new connection may take to get the peer's first HTTP/2 SETTINGS (TCP, TLS and all); the PING timeout by default. */
  connectTimeoutMs?: number;
  /** The largest response message accepted (64 MiB by default). */
  maxMessageBytes?: number;
}

export interface GrpcChannel {
  unary<I extends DescMessage, O extends DescMessage>(
    method: Method<I, O>,
    input: MessageInitShape<I>,
    options: CallOptions,
  ): Promise<MessageShape<O>>;
  serverStream<I extends DescMessage, O extends DescMessage>(
    method: Method<I, O>,
    input: MessageInitShape<I>,
    options: CallOptions,
  ): AsyncIterable<MessageShape<O>>;
}

/** How long a connection may idle before it is closed, as connect-node. */
const IDLE_CONNECTION_MS = 15 * 60_000;

/** The longest a Node timer can wait; a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** gRPC's TimeoutValue has at most 8 digits: a deadline too long in milliseconds is sent, rounded up, in a larger unit. */
export function grpcTimeoutHeader(timeoutMs: number): string {
  let value = Math.max(1, Math.ceil(timeoutMs));
  for (const [unit, next] of [
    ["m", 1000],
    ["S", 60],
    ["M", 60],
  ] as const) {
    if (value <= 99_999_999) return `${value}${unit}`;
    value = Math.ceil(value / next);
  }
  return `${Math.min(value, 99_999_999)}H`;
}

export function createGrpcChannel(options: GrpcChannelOptions): GrpcChannel {
  let current: ClientHttp2Session | undefined;
  /** Open calls by connection: a retired connection is still pinged while a call on it lasts. */
  const openCalls = new Map<ClientHttp2Session, number>();
  let pinger: NodeJS.Timeout | undefined;
  let idle: NodeJS.Timeout | undefined;

  const usable = (session: ClientHttp2Session | undefined): session is ClientHttp2Session =>
    session !== undefined && !session.closed && !session.destroyed;

  function session(): ClientHttp2Session {
    if (usable(current)) return current;
    const opened = connect(options.baseUrl, options.ca === undefined ? {} : { ca: options.ca });
    // A peer that takes TCP but never answers (a half-dead load balancer) would hang every call, a watch forever.
    const connecting = setTimeout(
      () => opened.destroy(new ConnectError("connecting timed out", Code.Unavailable), constants.NGHTTP2_CANCEL),
      options.connectTimeoutMs ?? options.pingTimeoutMs ?? 15_000,
    );
    connecting.unref();
    opened.once("remoteSettings", () => clearTimeout(connecting));
    const forget = () => {
      clearTimeout(connecting);
      if (current === opened) current = undefined;
    };
    // A failed connection fails its calls (Node destroys their streams with the error); nothing else to do here.
    opened.on("error", forget);
    opened.on("close", forget);
    opened.on("goaway", forget);
    current = opened;
    return opened;
  }

  function ping(pinged: ClientHttp2Session): void {
    if (!usable(pinged) || pinged.connecting) return;
    const timer = setTimeout(
      () => pinged.destroy(new ConnectError("PING timed out", Code.Unavailable), constants.NGHTTP2_CANCEL),
      options.pingTimeoutMs ?? 15_000,
    );
    timer.unref();
    try {
      pinged.ping(() => clearTimeout(timer));
    } catch {
      // Too many PINGs unanswered, or the connection closing: the timer decides.
    }
  }

  function callOpened(on: ClientHttp2Session): void {
    openCalls.set(on, (openCalls.get(on) ?? 0) + 1);
    on.ref();
    if (openCalls.size > 1 || openCalls.get(on)! > 1) return;
    clearTimeout(idle);
    pinger = setInterval(() => {
      for (const open of openCalls.keys()) ping(open);
    }, options.pingIntervalMs);
    pinger.unref();
  }

  /**
   * A retired connection closes with its last call. With no call open, the current one closes after a
   * while: exec mode idles for the workload's whole life.
   */
  function callClosed(on: ClientHttp2Session): void {
    const left = openCalls.get(on)! - 1;
    if (left > 0) openCalls.set(on, left);
    else {
      openCalls.delete(on);
      // An idle connection must not keep the process alive (connect-node unrefs them too).
      on.unref();
      if (on !== current) on.close();
    }
    if (openCalls.size > 0) return;
    clearInterval(pinger);
    idle = setTimeout(() => current?.close(), IDLE_CONNECTION_MS);
    idle.unref();
  }

  async function* call<I extends DescMessage, O extends DescMessage>(
    method: Method<I, O>,
    input: MessageInitShape<I>,
    callOptions: CallOptions,
  ): AsyncGenerator<MessageShape<O>> {
    const { timeoutMs, signal } = callOptions;
    if (signal?.aborted) throw ConnectError.from(signal.reason, Code.Canceled);
    // Beyond a timer's range the call ends a little early rather than at once.
    const deadlineMs = timeoutMs === undefined ? undefined : Math.min(timeoutMs, MAX_TIMER_MS);
    const on = session();
    let stream: ClientHttp2Stream;
    try {
      stream = on.request({
        ...callOptions.headers,
        ":method": "POST",
        ":path": `/${method.parent.typeName}/${method.name}`,
        "content-type": "application/grpc+proto",
        te: "trailers",
        "user-agent": "secrets-sidecar",
        ...(deadlineMs !== undefined && { "grpc-timeout": grpcTimeoutHeader(deadlineMs) }),
      });
    } catch (error) {
      // The connection refused the call at once (closing, destroyed, or destroyed by Node for a bad header): retire it.
      if (current === on) current = undefined;
      if (!openCalls.has(on)) on.close();
      throw connectErrorFromNodeReason(error);
    }
    const response = new ResponseReader(stream, options.maxMessageBytes);
    const stop = (error: ConnectError) => {
      response.fail(error);
      if (!stream.closed) stream.close(error.code === Code.Canceled ? constants.NGHTTP2_CANCEL : constants.NGHTTP2_INTERNAL_ERROR);
    };
    const deadline =
      deadlineMs === undefined
        ? undefined
        : setTimeout(() => {
            stop(new ConnectError("the operation timed out", Code.DeadlineExceeded));
            // A dead connection would fail the retry too: the next call opens another; this one is retired,
            // still pinged while a watch stream on it lasts.
            if (current === on) current = undefined;
          }, deadlineMs);
    const abort = () => stop(ConnectError.from(signal!.reason, Code.Canceled));
    signal?.addEventListener("abort", abort, { once: true });
    callOpened(on);
    try {
      stream.end(envelope(toBinary(method.input, create(method.input, input))));
      for await (const message of response.messages()) yield fromBinary(method.output, message);
    } finally {
      clearTimeout(deadline);
      signal?.removeEventListener("abort", abort);
      callClosed(on);
      if (!stream.closed) stream.close(constants.NGHTTP2_CANCEL);
    }
  }

  return {
    async unary(method, input, callOptions) {
      let output: MessageShape<(typeof method)["output"]> | undefined;
      for await (const message of call(method, input, callOptions)) {
        if (output !== undefined)
          throw new ConnectError("protocol error: received extra output message for unary method", Code.Unimplemented);
        output = message;
      }
      if (output === undefined) throw new ConnectError("protocol error: missing output message for unary method", Code.Unimplemented);
      return output;
    },
    serverStream: (method, input, callOptions) => call(method, input, callOptions),
  };
}

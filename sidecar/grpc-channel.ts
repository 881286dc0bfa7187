/**
 * A small gRPC client on Node's http2 for the sidecar's few calls (unary and
 * server-streaming), with the generated protobuf-es codecs. connect-node's
 * transport costs the sidecar ~10 MB and 30 ms at start-up, mostly Node's
 * fetch implementation behind the `Headers` it builds for every call
 * (BENCHMARKS.md, "Sidecar footprint"). One HTTP/2 connection, opened on the
 * first call and replaced once closed, refused, told to go away, or when a
 * call on it missed its deadline; PING frames every `pingIntervalMs` while a
 * call is open find a dead connection under a quiet watch stream. Responses
 * are checked, and failures made into ConnectErrors, by Connect's own gRPC
 * protocol functions and connect-node's mappings (grpc-errors.ts).
 */
import { connect, constants, type ClientHttp2Session, type ClientHttp2Stream, type IncomingHttpHeaders } from "node:http2";
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
import { validateResponse, validateTrailer } from "@connectrpc/connect/protocol-grpc";
import { EnvelopeReader, envelope } from "./grpc-envelope.js";
import { ResponseHeaders, connectErrorFromNodeReason, connectErrorFromResetCode } from "./grpc-errors.js";

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
    const forget = () => {
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
    const on = session();
    const stream = on.request({
      ...callOptions.headers,
      ":method": "POST",
      ":path": `/${method.parent.typeName}/${method.name}`,
      "content-type": "application/grpc+proto",
      te: "trailers",
      "user-agent": "secrets-sidecar",
      ...(timeoutMs !== undefined && { "grpc-timeout": `${Math.max(1, Math.ceil(timeoutMs))}m` }),
    });
    const response = new ResponseReader(stream);
    const stop = (error: ConnectError) => {
      response.fail(error);
      if (!stream.closed) stream.close(error.code === Code.Canceled ? constants.NGHTTP2_CANCEL : constants.NGHTTP2_INTERNAL_ERROR);
    };
    const deadline =
      timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            stop(new ConnectError("the operation timed out", Code.DeadlineExceeded));
            // A dead connection would fail the retry too: the next call opens another; this one is retired,
            // still pinged while a watch stream on it lasts.
            if (current === on) current = undefined;
          }, timeoutMs);
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

/** One call's response: its messages as they arrive, then its status. */
class ResponseReader {
  private readonly chunks: Buffer[] = [];
  private headers: IncomingHttpHeaders | undefined;
  private trailers: IncomingHttpHeaders | undefined;
  private failure: ConnectError | undefined;
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(private readonly stream: ClientHttp2Stream) {
    const woken = () => this.wake?.();
    stream.on("response", (headers) => {
      this.headers = headers;
    });
    stream.on("trailers", (trailers) => {
      this.trailers = trailers;
    });
    stream.on("data", (chunk: Buffer) => {
      this.chunks.push(chunk);
      woken();
    });
    stream.on("error", (error: NodeJS.ErrnoException) => {
      // The service answered before it read the whole request: its answer counts, not this.
      if (stream.writableEnded && error.code === "ERR_STREAM_WRITE_AFTER_END") return;
      this.fail(connectErrorFromNodeReason(error));
      woken();
    });
    stream.on("close", () => {
      this.closed = true;
      woken();
    });
  }

  /** The first failure is the call's. */
  fail(error: ConnectError): void {
    this.failure ??= error;
    this.wake?.();
  }

  async *messages(): AsyncGenerator<Uint8Array> {
    const reader = new EnvelopeReader();
    let checkedHeaders = false;
    for (;;) {
      if (this.failure !== undefined) throw this.failure;
      if (!checkedHeaders && this.headers !== undefined) {
        this.checkHeaders(this.headers);
        checkedHeaders = true;
      }
      const chunk = this.chunks.shift();
      if (chunk !== undefined) {
        yield* reader.read(chunk);
        continue;
      }
      if (this.closed) break;
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
      this.wake = undefined;
    }
    this.checkEnd(reader);
  }

  /** Throws the error a response's headers carry (an HTTP status, a trailers-only gRPC status). */
  private checkHeaders(headers: IncomingHttpHeaders): void {
    const { headerError } = validateResponse(Number(headers[":status"]), new ResponseHeaders(headers) as unknown as Headers);
    if (headerError !== undefined) throw headerError;
  }

  private checkEnd(reader: EnvelopeReader): void {
    const reset = connectErrorFromResetCode(this.stream.rstCode ?? constants.NGHTTP2_NO_ERROR);
    if (this.headers === undefined)
      throw reset ?? new ConnectError("protocol error: the stream closed without a response", Code.Unavailable);
    if (reset !== undefined && this.trailers === undefined) throw reset;
    reader.end();
    if (this.headers["grpc-status"] !== undefined) return; // trailers-only, checked with the headers
    validateTrailer(
      new ResponseHeaders(this.trailers ?? {}) as unknown as Headers,
      new ResponseHeaders(this.headers) as unknown as Headers,
    );
  }
}

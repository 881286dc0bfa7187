/**
 * Many WatchSecrets streams held open by one process with as little client
 * work per event as it can: raw node:http2 sessions, the request pre-encoded,
 * each gRPC message decoded with the generated code only to read its type and
 * version. (A Connect client per stream costs several times more per event,
 * and at 10,000 streams that cost would be what the fan-out measured.)
 */
import { fromBinary } from "@bufbuild/protobuf";
import { connect, type ClientHttp2Session, type IncomingHttpHeaders } from "node:http2";
import { performance } from "node:perf_hooks";
import { ResolverService, WatchEventType, WatchSecretsResponseSchema } from "../gen/secrets/v1/resolver_service_pb.js";
import { encodeRequest, grpcRequestHeaders } from "./grpc-request.js";

export interface WatchStreamsOptions {
  address: string;
  token: string;
  name: string;
  streams: number;
  streamsPerConnection: number;
}

/** Open streams on one secret: when each has seen each version, and a wait for all of them to see one. */
export class WatchStreams {
  /** Per stream: version -> performance.now() when its event was read. */
  readonly arrivals: Map<bigint, number>[] = [];
  private readonly sessions: ClientHttp2Session[] = [];
  private readonly seenBy = new Map<bigint, number>();
  private readonly waiting = new Map<bigint, () => void>();
  private readonly request;
  private subscribedCount = 0;
  private onSubscribed: (() => void) | undefined;
  private failure: Error | undefined;
  /** Rejects the wait in progress as soon as a stream fails. */
  private failFast: (() => void) | undefined;
  private closing = false;

  private constructor(private readonly options: WatchStreamsOptions) {
    this.request = encodeRequest(ResolverService.method.watchSecrets, { names: [options.name] });
  }

  /** Opens every stream and waits until each has its SUBSCRIBED event. */
  static async open(options: WatchStreamsOptions, timeoutMs: number): Promise<WatchStreams> {
    const streams = new WatchStreams(options);
    const allSubscribed = new Promise<void>((resolve) => (streams.onSubscribed = resolve));
    for (let i = 0; i < options.streams; i++) streams.openStream(i);
    try {
      await streams.until(allSubscribed, timeoutMs, "not every watch stream subscribed");
    } catch (error) {
      streams.close();
      throw error;
    }
    return streams;
  }

  /** Resolves once every stream has seen `version`. */
  async allSee(version: bigint, timeoutMs: number): Promise<void> {
    if ((this.seenBy.get(version) ?? 0) === this.options.streams) return;
    const seen = new Promise<void>((resolve) => this.waiting.set(version, resolve));
    try {
      await this.until(seen, timeoutMs, `not every watch stream saw version ${version}`);
    } finally {
      this.waiting.delete(version);
    }
  }

  close(): void {
    this.closing = true;
    for (const session of this.sessions) session.destroy();
  }

  private async until(done: Promise<void>, timeoutMs: number, message: string): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    let failed: (() => void) | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(message)), timeoutMs);
      failed = () => reject(this.failure);
    });
    this.failFast = failed;
    if (this.failure) failed!();
    try {
      await Promise.race([done, timeout]);
    } finally {
      clearTimeout(timer);
      this.failFast = undefined;
    }
  }

  private fail(error: Error): void {
    if (this.closing || this.failure) return;
    this.failure = error;
    this.failFast?.();
  }

  private session(index: number): ClientHttp2Session {
    const slot = Math.floor(index / this.options.streamsPerConnection);
    let session = this.sessions[slot];
    if (!session) {
      session = connect(`http://${this.options.address}`);
      session.on("error", (error) => this.fail(error));
      this.sessions[slot] = session;
    }
    return session;
  }

  private openStream(index: number): void {
    const { path, frame } = this.request;
    const arrivals = new Map<bigint, number>();
    this.arrivals.push(arrivals);
    const stream = this.session(index).request(grpcRequestHeaders(path, this.options.token));
    stream.end(frame);
    let buffered: Buffer = Buffer.alloc(0);
    stream.on("data", (chunk: Buffer) => {
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      while (buffered.length >= 5 && buffered.length >= 5 + buffered.readUInt32BE(1)) {
        const length = buffered.readUInt32BE(1);
        this.onMessage(arrivals, buffered.subarray(5, 5 + length));
        buffered = buffered.subarray(5 + length);
      }
    });
    const checkStatus = (headers: IncomingHttpHeaders) => {
      const status = headers["grpc-status"];
      if (status !== undefined && status !== "0")
        this.fail(
          new Error(`a watch stream ended with gRPC status ${status}: ${decodeURIComponent(String(headers["grpc-message"] ?? ""))}`),
        );
    };
    // A call refused at once answers trailers-only: its status is in the response headers.
    stream.on("response", checkStatus);
    stream.on("trailers", checkStatus);
    stream.on("error", (error) => this.fail(error));
    stream.on("close", () => this.fail(new Error("a watch stream closed")));
  }

  private onMessage(arrivals: Map<bigint, number>, message: Uint8Array): void {
    const event = fromBinary(WatchSecretsResponseSchema, message);
    if (event.type === WatchEventType.SUBSCRIBED) {
      if (++this.subscribedCount === this.options.streams) this.onSubscribed?.();
    } else if (event.type === WatchEventType.VALUE_UPDATED) {
      arrivals.set(event.version, performance.now());
      const seen = (this.seenBy.get(event.version) ?? 0) + 1;
      this.seenBy.set(event.version, seen);
      if (seen === this.options.streams) this.waiting.get(event.version)?.();
    }
  }
}

/**
 * One gRPC call's response on an HTTP/2 stream (grpc-channel.ts): its
 * messages as they arrive, then its status, checked by Connect's own gRPC
 * protocol functions.
 */
import { constants, type ClientHttp2Stream, type IncomingHttpHeaders } from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";
import { validateResponse, validateTrailer } from "@connectrpc/connect/protocol-grpc";
import { EnvelopeReader } from "./grpc-envelope.js";
import { ResponseHeaders, connectErrorFromNodeReason, connectErrorFromResetCode } from "./grpc-errors.js";

/** One call's response: its messages as they arrive, then its status. */
export class ResponseReader {
  private readonly chunks: Buffer[] = [];
  private headers: IncomingHttpHeaders | undefined;
  private trailers: IncomingHttpHeaders | undefined;
  private failure: ConnectError | undefined;
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(
    private readonly stream: ClientHttp2Stream,
    private readonly maxMessageBytes?: number,
  ) {
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
    const reader = new EnvelopeReader(this.maxMessageBytes);
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

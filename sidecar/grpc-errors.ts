/**
 * How the sidecar's gRPC client (grpc-channel.ts) reports a failed call: as a
 * ConnectError with the code and message connect-node gives for the same
 * failure, so every caller keeps reading errors one way. The response's
 * status fields are read by Connect's own gRPC protocol functions; only the
 * mapping of Node's network errors (connect-node keeps it private) is here.
 */
import type { IncomingHttpHeaders } from "node:http2";
import { constants } from "node:http2";
import { Code, ConnectError } from "@connectrpc/connect";

/** A failed call's cause, from Node's network code, as connect-node maps it. */
export function connectErrorFromNodeReason(reason: unknown): ConnectError {
  if (reason instanceof ConnectError) return reason;
  // A call made while its connection was being opened fails with this, caused by the connection's own failure;
  // connect-node waits for the connection first and reports that failure.
  if ((reason as NodeJS.ErrnoException).code === "ERR_HTTP2_STREAM_CANCEL" && (reason as Error).cause instanceof Error)
    return connectErrorFromNodeReason((reason as Error).cause);
  const codes = new Set<string>();
  for (let e: unknown = reason, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === "string") codes.add(code);
  }
  const has = (...names: string[]) => names.some((name) => codes.has(name));
  let code = Code.Internal;
  if (has("ERR_STREAM_WRITE_AFTER_END", "ERR_STREAM_DESTROYED", "ERR_HTTP2_INVALID_STREAM", "ECONNRESET")) code = Code.Aborted;
  else if (has("ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED")) code = Code.Unavailable;
  // A call refused by a connection that is closing or gone (connect-node waits for a new one instead).
  else if (has("ERR_HTTP2_INVALID_SESSION", "ERR_HTTP2_GOAWAY_SESSION")) code = Code.Unavailable;
  const error = ConnectError.from(reason, code);
  if (error !== reason) error.cause = reason;
  return error;
}

const RESET_CODES: Partial<Record<number, Code>> = {
  [constants.NGHTTP2_PROTOCOL_ERROR]: Code.Internal,
  [constants.NGHTTP2_INTERNAL_ERROR]: Code.Internal,
  [constants.NGHTTP2_FLOW_CONTROL_ERROR]: Code.Internal,
  [constants.NGHTTP2_SETTINGS_TIMEOUT]: Code.Internal,
  [constants.NGHTTP2_FRAME_SIZE_ERROR]: Code.Internal,
  [constants.NGHTTP2_COMPRESSION_ERROR]: Code.Internal,
  [constants.NGHTTP2_CONNECT_ERROR]: Code.Internal,
  [constants.NGHTTP2_REFUSED_STREAM]: Code.Unavailable,
  [constants.NGHTTP2_CANCEL]: Code.Canceled,
  [constants.NGHTTP2_ENHANCE_YOUR_CALM]: Code.ResourceExhausted,
  [constants.NGHTTP2_INADEQUATE_SECURITY]: Code.PermissionDenied,
  [constants.NGHTTP2_HTTP_1_1_REQUIRED]: Code.PermissionDenied,
};

const RESET_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(constants)
    .filter(([name]) => /^NGHTTP2_[A-Z_0-9]+$/.test(name) && !name.startsWith("NGHTTP2_ERR_"))
    .map(([name, value]) => [value, name.slice("NGHTTP2_".length)]),
);

/** A stream reset by the peer, as connect-node maps it; undefined for codes it leaves alone (STREAM_CLOSED, NO_ERROR). */
export function connectErrorFromResetCode(rstCode: number): ConnectError | undefined {
  const code = RESET_CODES[rstCode];
  if (code === undefined) return undefined;
  return new ConnectError(`http/2 stream closed with error code ${RESET_NAMES[rstCode]} (0x${rstCode.toString(16)})`, code);
}

/**
 * Node's header object behind the reading side of the fetch `Headers` interface, which Connect's gRPC
 * protocol functions read a response with. Node's own `Headers` loads the fetch implementation (~3 MB);
 * a ConnectError made from a failed response still copies these into one.
 */
export class ResponseHeaders {
  constructor(private readonly headers: IncomingHttpHeaders) {}

  get(name: string): string | null {
    const value = this.headers[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(", ") : String(value);
  }

  has(name: string): boolean {
    return this.headers[name.toLowerCase()] !== undefined;
  }

  forEach(callback: (value: string, name: string) => void): void {
    for (const [name, value] of this) callback(value, name);
  }

  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.headers)) if (!name.startsWith(":")) yield [name, this.get(name)!];
  }
}

/**
 * gRPC's length-prefixed messages on an HTTP/2 stream: a flags byte (bit 0:
 * compressed), a 4-byte big-endian length, then the message. The sidecar
 * neither sends nor accepts compressed messages.
 */
import { Code, ConnectError } from "@connectrpc/connect";

const PREFIX_BYTES = 5;

/** One uncompressed message, prefixed. */
export function envelope(message: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(PREFIX_BYTES + message.byteLength);
  out[0] = 0;
  out.writeUInt32BE(message.byteLength, 1);
  out.set(message, PREFIX_BYTES);
  return out;
}

/** The largest message the sidecar accepts: far above any answer of the service, far below a length prefix gone wrong. */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

/**
 * Splits a stream's bytes, in chunks as they arrive, into its messages. A
 * message's chunks are kept in a list and joined once it is whole (joining at
 * every chunk copies a large message over and over); a length prefix over the
 * limit fails at once rather than being waited for.
 */
export class EnvelopeReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  constructor(private readonly maxMessageBytes = MAX_MESSAGE_BYTES) {}

  *read(chunk: Buffer): Generator<Uint8Array> {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    while (this.buffered >= PREFIX_BYTES) {
      if (this.chunks[0]!.length < PREFIX_BYTES) this.chunks = [this.joined()];
      const first = this.chunks[0]!;
      if ((first[0]! & 1) !== 0)
        throw new ConnectError("protocol error: received a compressed message, but no compression was asked for", Code.Internal);
      const length = first.readUInt32BE(1);
      if (length > this.maxMessageBytes)
        throw new ConnectError(
          `protocol error: a message of ${length} bytes is over the limit of ${this.maxMessageBytes} bytes`,
          Code.ResourceExhausted,
        );
      if (this.buffered < PREFIX_BYTES + length) return;
      const all = this.joined();
      const rest = all.subarray(PREFIX_BYTES + length);
      this.chunks = rest.length > 0 ? [rest] : [];
      this.buffered = rest.length;
      yield all.subarray(PREFIX_BYTES, PREFIX_BYTES + length);
    }
  }

  /** At the end of the stream: no message may be cut short. */
  end(): void {
    if (this.buffered > 0) throw new ConnectError("protocol error: the stream ended inside a message", Code.Internal);
  }

  private joined(): Buffer {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
  }
}

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

/** Splits a stream's bytes, in chunks as they arrive, into its messages. */
export class EnvelopeReader {
  private pending: Buffer = Buffer.alloc(0);

  *read(chunk: Buffer): Generator<Uint8Array> {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= PREFIX_BYTES) {
      const length = this.pending.readUInt32BE(1);
      if (this.pending.length < PREFIX_BYTES + length) return;
      if ((this.pending[0]! & 1) !== 0)
        throw new ConnectError("protocol error: received a compressed message, but no compression was asked for", Code.Internal);
      const message = this.pending.subarray(PREFIX_BYTES, PREFIX_BYTES + length);
      this.pending = this.pending.subarray(PREFIX_BYTES + length);
      yield message;
    }
  }

  /** At the end of the stream: no message may be cut short. */
  end(): void {
    if (this.pending.length > 0) throw new ConnectError("protocol error: the stream ended inside a message", Code.Internal);
  }
}

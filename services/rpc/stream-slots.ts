/**
 * Open server streams per token and method, so that one token cannot hold
 * the service's memory with streams: over the policy's limit a new stream is
 * refused with RESOURCE_EXHAUSTED; ending a stream frees its slot.
 */
import { ServiceError } from "../domain/errors.js";

export class StreamSlots {
  private readonly open = new Map<string, number>();

  /** Takes a slot, or throws RESOURCE_EXHAUSTED; call the returned function when the stream ends. */
  take(tokenId: string, method: string, max: number): () => void {
    const key = `${tokenId}\u0000${method}`;
    const held = this.open.get(key) ?? 0;
    if (held >= max)
      throw new ServiceError(`this token already holds ${max} open ${method} stream(s), its limit`, {
        reason: "TOO_MANY_STREAMS",
        metadata: { limit: String(max) },
      });
    this.open.set(key, held + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(key) ?? 1) - 1;
      if (left === 0) this.open.delete(key);
      else this.open.set(key, left);
    };
  }

  /** Streams open now, over all tokens. */
  get openCount(): number {
    let count = 0;
    for (const held of this.open.values()) count += held;
    return count;
  }
}

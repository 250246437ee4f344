/** A request body on its way upstream: queued until a connection is ready, and kept for a retry while small. */

/** Body bytes queued for a connection that is not ready yet before the client is paused. */
const PENDING_LIMIT = 64 * 1024;

export class RequestBodyBuffer {
  private chunks: Uint8Array[] = [];
  private retaining: boolean;
  private retainedBytes = 0;
  private readonly retainLimit: number;

  /** `retain`: keep every chunk (up to `retainLimit` bytes) so another try can replay the body. */
  constructor(retain: boolean, retainLimit: number) {
    this.retaining = retain;
    this.retainLimit = retainLimit;
  }

  /** The whole body so far is still held: a retry can send it again. */
  get replayable(): boolean {
    return this.retaining;
  }

  /** Bytes of the body so far (counted while it is held whole). */
  get length(): number {
    return this.retainedBytes;
  }

  /**
   * A chunk arrived. `sent`: it was also written to a connected upstream. Returns false when the
   * client should stop sending until the upstream takes what is queued.
   */
  add(chunk: Uint8Array, sent: boolean): boolean {
    if (this.retaining) {
      this.retainedBytes += chunk.length;
      // Too big to replay: stop holding what the current try has already sent.
      if (this.retainedBytes > this.retainLimit) this.retaining = false;
    }
    if (sent) {
      if (this.retaining) this.keep(chunk);
      else if (this.chunks.length > 0) this.clear();
      return true;
    }
    this.keep(chunk);
    return this.retaining || this.chunkBytes <= PENDING_LIMIT;
  }

  /** What a new connection must send first; chunks not kept for replay are handed over for good. */
  takeForTry(): readonly Uint8Array[] {
    const out = this.chunks;
    if (!this.retaining) this.clear();
    return out;
  }

  /** Bytes in `chunks`, kept as a sum: a body of many tiny chunks must not cost a walk per chunk. */
  private chunkBytes = 0;

  /**
   * A chunk is a view of the read it came in. A small view of a big read is copied, so what is
   * held is the body's bytes and not every read around them (1-byte chunks behind 4 KiB chunk
   * extensions pinned 4,000 times their size); a view that is most of its read is kept as is.
   */
  private keep(chunk: Uint8Array): void {
    this.chunks.push(chunk.byteLength * 2 < chunk.buffer.byteLength ? chunk.slice() : chunk);
    this.chunkBytes += chunk.byteLength;
  }

  private clear(): void {
    this.chunks = [];
    this.chunkBytes = 0;
  }
}

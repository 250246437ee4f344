/** The bytes one upstream read sends to its client, gathered in one buffer so they leave in one write. */
import { HeadBuffer } from '../http1/head-buffer.ts';

/**
 * Pieces above this size are copied only to join bytes already gathered (a head): one write
 * instead of two is worth a copy, while a big piece alone is written as it is.
 */
export const BATCH_COPY_LIMIT = 4096;
/** The batch is flushed before it grows past this: its buffer is kept for the thread's lifetime. */
export const BATCH_MAX = 96 * 1024;

/**
 * One per thread. A response head is written straight into it and small body pieces are copied
 * after it, so a small response costs one buffer and one write instead of a head buffer, a view
 * of the body, a list of pieces and a joined copy. An upstream read is parsed synchronously, so one
 * connection gathers at a time; `owner` makes a nested gatherer write directly instead.
 */
export class WriteBatch {
  owner: object | null = null;
  readonly buf = new HeadBuffer();

  /** Take the batch for `owner`; false when another connection holds it. */
  acquire(owner: object): boolean {
    if (this.owner !== null) return false;
    this.owner = owner;
    return true;
  }

  release(owner: object): void {
    if (this.owner !== owner) return;
    this.owner = null;
    this.buf.reset();
  }
}

export const WRITE_BATCH = new WriteBatch();

/** The bytes one read causes on a socket, gathered in one per-thread buffer so they leave in one write. */
import { HeadBuffer } from '../http1/head-buffer.ts';

/**
 * Pieces above this size are copied only to join bytes already gathered (a head), on a sink that
 * cannot gather writes itself: one write instead of two is worth a copy, while a big piece alone
 * is written as it is.
 */
const BATCH_COPY_LIMIT = 4096;
/** The batch is flushed before it grows past this: its buffer is kept for the thread's lifetime. */
export const BATCH_MAX = 96 * 1024;

/** Where a batch goes: a downstream socket, or an upstream connection. */
export interface BatchSink {
  /** Bytes the sink may keep (a big piece written as it is). */
  write(bytes: Uint8Array): boolean;
  /** Bytes lent for the call only (a view of the batch). */
  writeBorrowed(bytes: Uint8Array): boolean;
  /** Lent bytes then bytes it may keep, in one write (see `Socket.writePair`); absent: join by copy. */
  writePair?(lent: Uint8Array, kept: Uint8Array): boolean;
}

/**
 * One per thread. Both directions use it: while an upstream read is parsed, the client's
 * response head is written straight into it and small body pieces are copied after it; while a
 * client read is parsed, the upstream request's head and body pieces gather in it. Reads are
 * parsed synchronously, so one owner gathers at a time; `acquire` fails for a nested gatherer,
 * which then writes directly (still in order: it never gathered anything).
 */
export class WriteBatch {
  owner: object | null = null;
  private readonly buf = new HeadBuffer();
  /**
   * A first piece the sink may keep (see `addStable`), held by reference while it is alone: a
   * request head that leaves by itself is then written as it is, not copied.
   */
  private held: Uint8Array | null = null;
  /** Bytes went to the sink since `acquire` (a big piece, or a flush when the buffer was full). */
  written = false;

  /** Take the batch for `owner`; false when another one holds it. */
  acquire(owner: object): boolean {
    if (this.owner !== null) return false;
    this.owner = owner;
    this.written = false;
    return true;
  }

  /** Give the batch back; anything not flushed is dropped. */
  release(owner: object): void {
    if (this.owner !== owner) return;
    this.owner = null;
    this.held = null;
    this.buf.reset();
  }

  /** Bytes are gathered and not yet written. */
  get pending(): boolean {
    return this.held !== null || this.buf.length > 0;
  }

  /** Drop what `owner` gathered (a response that must not reach the client after all); it keeps the batch. */
  discard(owner: object): void {
    if (this.owner !== owner) return;
    this.held = null;
    this.buf.reset();
  }

  /** The buffer to write a head straight into, after what is gathered. */
  headBuffer(): HeadBuffer {
    this.unhold();
    return this.buf;
  }

  /** `bytes` the sink may keep (a cached head, a constant): not copied unless more follows. */
  addStable(sink: BatchSink, bytes: Uint8Array): boolean {
    if (this.held === null && this.buf.length === 0) {
      this.held = bytes;
      return true;
    }
    return this.add(sink, bytes, 0, bytes.length);
  }

  /**
   * chunk[start, end) for `sink`, after what is gathered. Returns false only when a write made
   * now was refused (the sink is full); gathered bytes report that at `flush`.
   */
  add(sink: BatchSink, chunk: Uint8Array, start: number, end: number): boolean {
    this.unhold();
    const w = this.buf;
    const n = end - start;
    if (n > BATCH_COPY_LIMIT) {
      const piece = start === 0 && end === chunk.length ? chunk : chunk.subarray(start, end);
      // A sink that gathers writes itself takes the batch and the piece in one write, uncopied.
      if (w.length > 0 && sink.writePair !== undefined) {
        this.written = true;
        return sink.writePair(w.takeView(), piece);
      }
      if (w.length === 0 || w.length + n > BATCH_MAX) {
        const gathered = this.flush(sink);
        this.written = true;
        const ok = sink.write(piece);
        return gathered && ok;
      }
    }
    const ok = w.length + n > BATCH_MAX ? this.flush(sink) : true;
    w.bytes(chunk, start, end);
    return ok;
  }

  /** Write what is gathered as one lent view; `sink` null drops it (the socket is gone). */
  flush(sink: BatchSink | null): boolean {
    const held = this.held;
    if (held !== null) {
      // Alone: nothing was added after it (`add` moves it into the buffer first).
      this.held = null;
      if (sink === null) return true;
      this.written = true;
      return sink.write(held);
    }
    const w = this.buf;
    if (w.length === 0) return true;
    const bytes = w.takeView();
    if (sink === null) return true;
    this.written = true;
    return sink.writeBorrowed(bytes);
  }

  private unhold(): void {
    const held = this.held;
    if (held === null) return;
    this.held = null;
    this.buf.bytes(held, 0, held.length);
  }
}

export const WRITE_BATCH = new WriteBatch();

/** A growing byte buffer that heads (and, in a write batch, small bodies) are written into, then copied out once. */

/**
 * Writing bytes directly (instead of concatenating strings and encoding the result) saves a rope,
 * its flattening and a second buffer per head: on the request path this was a fifth of the CPU.
 * One instance per thread is enough: a head is written and taken before anything else runs.
 */
export class HeadBuffer {
  private buf = new Uint8Array(1024);
  private len = 0;

  /** Latin1: one byte per char (chars above 0xFF are a caller bug and are truncated, as before). */
  str(s: string): void {
    const n = s.length;
    if (this.len + n > this.buf.length) this.grow(n);
    const b = this.buf;
    let at = this.len;
    for (let i = 0; i < n; i++) b[at++] = s.charCodeAt(i);
    this.len = at;
  }

  /** text[s, e), latin1. */
  range(text: string, s: number, e: number): void {
    const n = e - s;
    if (this.len + n > this.buf.length) this.grow(n);
    const b = this.buf;
    let at = this.len;
    if (n >= NATIVE_COPY_MIN) {
      // The native encoder copies a long ASCII run several times faster than a loop; a run with
      // chars 0x80-0xFF would come out as UTF-8, so it is detected and rewritten below.
      const r = ENCODER.encodeInto(text.slice(s, e), b.subarray(at));
      if (r.read === n && r.written === n) {
        this.len = at + n;
        return;
      }
    }
    for (let i = s; i < e; i++) b[at++] = text.charCodeAt(i);
    this.len = at;
  }

  /** `name: value\r\n`. */
  field(name: string, value: string): void {
    const need = name.length + value.length + 4;
    if (this.len + need > this.buf.length) this.grow(need);
    const b = this.buf;
    let at = this.len;
    for (let i = 0; i < name.length; i++) b[at++] = name.charCodeAt(i);
    b[at++] = 0x3a;
    b[at++] = 0x20;
    for (let i = 0; i < value.length; i++) b[at++] = value.charCodeAt(i);
    b[at++] = 0x0d;
    b[at++] = 0x0a;
    this.len = at;
  }

  /** A non-negative safe integer in decimal, without making a string. */
  uint(n: number): void {
    if (this.len + 16 > this.buf.length) this.grow(16);
    const b = this.buf;
    if (n < 10) {
      b[this.len++] = 0x30 + n;
      return;
    }
    let digits = 0;
    for (let v = n; v >= 1; v = Math.floor(v / 10)) digits++;
    let at = this.len + digits;
    this.len = at;
    for (let v = n; v >= 1; v = Math.floor(v / 10)) b[--at] = 0x30 + (v % 10);
  }

  /** b[s, e) as they are (a body piece): no view of `b` is made for small pieces. */
  bytes(b: Uint8Array, s: number, e: number): void {
    const n = e - s;
    if (this.len + n > this.buf.length) this.grow(n);
    const out = this.buf;
    let at = this.len;
    if (n <= 64) {
      for (let i = s; i < e; i++) out[at++] = b[i]!;
    } else if (n <= COPY_PIECE) {
      out.set(s === 0 && e === b.length ? b : b.subarray(s, e), at);
      at += n;
    } else {
      for (let i = s; i < e; i += COPY_PIECE) {
        const j = i + COPY_PIECE < e ? i + COPY_PIECE : e;
        out.set(b.subarray(i, j), at);
        at += j - i;
      }
    }
    this.len = at;
  }

  /** Bytes written since the last take or reset. */
  get length(): number {
    return this.len;
  }

  crlf(): void {
    if (this.len + 2 > this.buf.length) this.grow(2);
    this.buf[this.len++] = 0x0d;
    this.buf[this.len++] = 0x0a;
  }

  /** The bytes written so far, as a buffer of their own; the scratch is reset for the next head. */
  take(): Uint8Array {
    const out = this.buf.slice(0, this.len);
    this.len = 0;
    return out;
  }

  /**
   * The bytes written so far as a view of the scratch, which is reset: valid only until the next
   * write into this buffer (for `Socket.writeBorrowed`).
   */
  takeView(): Uint8Array {
    const out = this.buf.subarray(0, this.len);
    this.len = 0;
    return out;
  }

  /** Drop what was written (a head abandoned by an error). */
  reset(): void {
    this.len = 0;
  }

  private grow(need: number): void {
    let cap = this.buf.length * 2;
    while (cap < this.len + need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }
}

/**
 * Longer copies are made in pieces of this size. Bun's `set` is glibc's memmove, which switches
 * to `rep movsb` above about 2 KiB; on AMD Zen that runs 15-20x slower when the destination lies
 * 1-15 bytes past the source modulo 4 KiB. A body copied behind a response head that is a few
 * bytes longer than the upstream's is exactly that case (a 64 KiB copy: 20 us instead of 1.4).
 * Pieces stay on the vector path; V8's copy (Node, Deno) has no such case and pays ~1 us per 64 KiB.
 */
const COPY_PIECE = 2048;
/** Below this many chars a loop beats the native encoder's call, view and substring. */
const NATIVE_COPY_MIN = 32;
const ENCODER = new TextEncoder();

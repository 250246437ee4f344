/** Incremental scanner for a start line + field section (or a trailer section), shared by both parsers. */
import { COLON, CR, HTAB, LF, SP, TCHAR, VALUE } from './chars.ts';
import type { CodecDetail } from './errors.ts';
import {
  FramingFacts,
  F_CONNECTION,
  F_CONTENT_LENGTH,
  F_EXPECT,
  F_HOST,
  F_OTHER,
  F_PROXY_CONNECTION,
  F_TRANSFER_ENCODING,
  F_UPGRADE,
  fieldId,
  parseContentLength,
} from './framing.ts';
import { FieldTable } from './field-table.ts';
import { decodeAsciiPrefix, decodeLatin1 } from './latin1.ts';
import { scanRequestLine, scanStatusLine } from './start-line.ts';
import { isValidHostBytes } from './target.ts';

/** Which start line the scanner reads; trailer sections (no start line) use either. */
export const MODE_REQUEST = 0;
export const MODE_RESPONSE = 1;

const P_START = 0;
const P_FIELDS = 1;

const F_LINE = 0;
const F_NAME = 1;
const F_VALUE = 2;
const F_VALUE_LF = 3;
const F_END_LF = 4;

const KEEP_ACC_BYTES = 8192;
/** A read with at most this much after the head is decoded whole (see `text`). */
const WHOLE_DECODE_TAIL = 512;
const NO_BYTES = new Uint8Array(0);

/**
 * Scans bytes as they arrive, validating every complete or partial line immediately (so errors are
 * reported before the head ends), and records field offsets. Positions are "head coordinates":
 * offsets from the first byte of the head. While a head fits in one chunk it is scanned in place;
 * once a chunk ends inside it, the partial head is copied to `acc` and later chunks are appended
 * (bounded by the byte limit), so the finished head is always contiguous and decoded with one call.
 */
export class HeadParser {
  readonly mode: number;
  // Set by each parser that borrows this scanner (see head-parser-pool.ts): limits are per listener or cluster.
  maxBytes: number;
  maxFields: number;
  maxStartLine: number;
  /** S9: responses unfold obs-fold (except on framing fields); requests reject it (R6). */
  readonly allowObsFold: boolean;
  readonly facts = new FramingFacts();

  // Buffering. `acc` is made on the first head that spans reads: most never do (memory per connection).
  private acc = NO_BYTES;
  private accLen = 0;
  private slow = false;
  buf: Uint8Array = this.acc;
  base = 0;
  /** Resume position (head coordinates). */
  private pos = 0;

  // Scan state.
  phase = P_START;
  sstate = 0;
  private fstate = F_LINE;
  /** Start-line scratch used by start-line.ts. */
  vi = 0;
  major = 0;
  private lineStart = 0;
  private colon = 0;
  private cr = 0;
  private lastId = F_OTHER;
  private folding = false;
  fieldCount = 0;
  offs = new Int32Array(64);
  private folded: number[] = [];
  private collectFacts = true;
  sawHigh = false;

  // Results.
  error: CodecDetail | null = null;
  done = false;
  length = 0;
  methodEnd = 0;
  targetEnd = 0;
  versionMinor = 1;
  status = 0;
  reasonStart = 0;
  reasonEnd = 0;

  constructor(mode: number, maxBytes: number, maxFields: number, maxStartLine: number) {
    this.mode = mode;
    this.maxBytes = maxBytes;
    this.maxFields = maxFields;
    this.maxStartLine = maxStartLine;
    this.allowObsFold = mode === MODE_RESPONSE;
  }

  /** The limits of the parser that borrows this scanner for its next head. */
  setLimits(maxBytes: number, maxFields: number, maxStartLine: number): void {
    this.maxBytes = maxBytes;
    this.maxFields = maxFields;
    this.maxStartLine = maxStartLine;
  }

  /** Back to the pool: drop the last chunk scanned, so an idle scanner pins no connection's bytes. */
  release(): void {
    this.buf = this.acc;
  }

  /** Prepare for a new head, or a trailer section (no start line, no framing facts). */
  begin(trailers: boolean): void {
    if (this.acc.length > KEEP_ACC_BYTES) this.acc = NO_BYTES;
    this.accLen = 0;
    this.slow = false;
    this.pos = 0;
    this.phase = trailers ? P_FIELDS : P_START;
    this.sstate = 0;
    this.fstate = F_LINE;
    this.vi = 0;
    this.lastId = F_OTHER;
    this.folding = false;
    this.fieldCount = 0;
    if (this.folded.length !== 0) this.folded = [];
    this.sawHigh = false;
    this.error = null;
    this.done = false;
    this.collectFacts = !trailers;
    if (!trailers) this.facts.reset();
  }

  /** Record an error and return `i` (callers `return h.fail(...)`). */
  fail(detail: CodecDetail, i: number): number {
    this.error = detail;
    return i;
  }

  /**
   * Scan chunk[pos..]. Returns the index in `chunk` just after the head when `done`, otherwise
   * chunk.length (everything consumed, more needed) or the error position when `error` is set.
   */
  scan(chunk: Uint8Array, pos: number): number {
    const end = chunk.length;
    if (!this.slow) {
      this.buf = chunk;
      this.base = pos;
      const i = this.run(chunk, pos, end);
      if (this.done || this.error !== null) return i;
      this.slow = true;
      this.append(chunk, pos, end);
      return end;
    }
    const old = this.accLen;
    const room = this.maxBytes + 2 - old;
    const n = Math.min(end - pos, room > 1 ? room : 1);
    this.append(chunk, pos, pos + n);
    this.buf = this.acc;
    this.base = 0;
    const i = this.run(this.acc, this.pos, this.accLen);
    if (this.done) return pos + (i - old);
    if (this.error !== null) return pos;
    return pos + n;
  }

  private append(src: Uint8Array, s: number, e: number): void {
    const n = e - s;
    if (this.accLen + n > this.acc.length) {
      let cap = Math.max(1024, this.acc.length * 2);
      while (cap < this.accLen + n) cap *= 2;
      const next = new Uint8Array(cap);
      next.set(this.acc.subarray(0, this.accLen));
      this.acc = next;
    }
    this.acc.set(src.subarray(s, e), this.accLen);
    this.accLen += n;
  }

  private run(b: Uint8Array, i: number, end: number): number {
    if (this.phase === P_START) {
      i = this.mode === MODE_REQUEST ? scanRequestLine(this, b, i, end) : scanStatusLine(this, b, i, end);
      if (this.error !== null) return i;
    }
    if (this.phase === P_FIELDS) i = this.fields(b, i, end);
    if (this.error !== null) return i;
    this.pos = i - this.base;
    // R13: the section counts through each line's CRLF; the empty line that ends it is not
    // counted, so a head still open may hold up to 2 bytes more than the limit.
    if (!this.done && this.pos > this.maxBytes + 2) return this.fail('http1.headers_too_large', i);
    return i;
  }

  private fields(b: Uint8Array, i: number, end: number): number {
    const base = this.base;
    let st = this.fstate;
    while (i < end) {
      if (st === F_LINE) {
        const c = b[i]!;
        if (TCHAR[c] === 1) {
          this.lineStart = i - base;
          i++;
          st = F_NAME;
        } else if (c === CR) {
          i++;
          st = F_END_LF;
          continue;
        } else if (c === SP || c === HTAB) {
          if (this.fieldCount === 0) return this.fail('http1.whitespace_before_first_field', i);
          if (!this.allowObsFold || this.lastId !== F_OTHER) return this.fail('http1.obs_fold_rejected', i);
          this.folding = true;
          i++;
          st = F_VALUE;
          continue;
        } else {
          return this.fail(c === LF ? 'http1.bare_lf' : 'http1.invalid_header_name', i);
        }
      }
      if (st === F_NAME) {
        while (i < end && TCHAR[b[i]!] === 1) i++;
        if (i === end) break;
        const c = b[i]!;
        if (c !== COLON) {
          return this.fail(
            c === SP || c === HTAB
              ? 'http1.whitespace_before_colon'
              : c === CR || c === LF
                ? 'http1.missing_colon'
                : 'http1.invalid_header_name',
            i,
          );
        }
        this.colon = i - base;
        i++;
        st = F_VALUE;
      }
      if (st === F_VALUE) {
        for (;;) {
          while (i < end && VALUE[b[i]!] === 1) i++;
          if (i === end || b[i]! < 0x80) break;
          this.sawHigh = true;
          i++;
        }
        if (i === end) break;
        const c = b[i]!;
        if (c !== CR) return this.fail(c === LF ? 'http1.bare_lf' : 'http1.invalid_characters', i);
        this.cr = i - base;
        i++;
        st = F_VALUE_LF;
        if (i === end) break;
      }
      if (st === F_VALUE_LF) {
        if (b[i] !== LF) return this.fail('http1.bare_cr', i);
        i++;
        if (!this.endLine(b)) return i;
        st = F_LINE;
        continue;
      }
      // F_END_LF
      if (b[i] !== LF) return this.fail('http1.bare_cr', i);
      i++;
      this.done = true;
      this.length = i - base;
      this.fstate = st;
      return i;
    }
    this.fstate = st;
    return i;
  }

  /** A field line (or an obs-fold continuation) ended at `this.cr`. False on error. */
  private endLine(b: Uint8Array): boolean {
    const base = this.base;
    if (this.folding) {
      this.folding = false;
      let ve = this.cr;
      while (ve > 0 && (b[base + ve - 1] === SP || b[base + ve - 1] === HTAB)) ve--;
      const k = (this.fieldCount - 1) << 2;
      if (ve > this.offs[k + 3]!) this.offs[k + 3] = ve;
      if (this.folded[this.folded.length - 1] !== this.fieldCount - 1) this.folded.push(this.fieldCount - 1);
      if (this.cr + 2 > this.maxBytes) {
        this.error = 'http1.headers_too_large';
        return false;
      }
      return true;
    }
    if (this.fieldCount >= this.maxFields) {
      this.error = 'http1.too_many_headers';
      return false;
    }
    if (this.cr + 2 > this.maxBytes) {
      this.error = 'http1.headers_too_large';
      return false;
    }
    let vs = this.colon + 1;
    let ve = this.cr;
    while (vs < ve && (b[base + vs] === SP || b[base + vs] === HTAB)) vs++;
    while (ve > vs && (b[base + ve - 1] === SP || b[base + ve - 1] === HTAB)) ve--;
    const k = this.fieldCount << 2;
    if (k + 4 > this.offs.length) {
      const next = new Int32Array(this.offs.length * 2);
      next.set(this.offs);
      this.offs = next;
    }
    this.offs[k] = this.lineStart;
    this.offs[k + 1] = this.colon;
    this.offs[k + 2] = vs;
    this.offs[k + 3] = ve;
    this.fieldCount++;
    if (!this.collectFacts) {
      this.lastId = F_OTHER;
      return true;
    }
    const id = fieldId(b, base + this.lineStart, base + this.colon);
    this.lastId = id;
    if (id === F_OTHER) return true;
    return this.fact(id, b, base + vs, base + ve);
  }

  private fact(id: number, b: Uint8Array, s: number, e: number): boolean {
    const f = this.facts;
    switch (id) {
      case F_CONTENT_LENGTH: {
        if (++f.contentLengthLines > 1) {
          this.error = 'http1.multiple_content_length';
          return false;
        }
        const v = parseContentLength(b, s, e);
        if (v < 0) {
          this.error = 'http1.invalid_content_length';
          return false;
        }
        f.contentLength = v;
        return true;
      }
      case F_TRANSFER_ENCODING:
        f.addTransferEncoding(b, s, e);
        return true;
      case F_CONNECTION:
        f.addConnection(b, s, e);
        if (f.connInvalid) {
          this.error = 'http1.connection_header_rejected';
          return false;
        }
        return true;
      case F_UPGRADE:
        f.addUpgrade(b, s, e);
        return true;
      case F_PROXY_CONNECTION:
        f.addProxyConnection(b, s, e);
        return true;
      case F_HOST:
        if (this.mode === MODE_REQUEST) {
          if (++f.hostLines > 1) {
            this.error = 'http1.multiple_host_headers';
            return false;
          }
          f.hostField = this.fieldCount - 1;
          f.hostInvalid = !isValidHostBytes(b, s, e, false);
        }
        return true;
      case F_EXPECT:
        if (this.mode === MODE_REQUEST) f.addExpect(b, s, e);
        return true;
      default:
        return true;
    }
  }

  /** The whole head as a string (one decode); field offsets index into it. Call once per head. */
  text(): string {
    const b = this.buf;
    const end = this.base + this.length;
    let s: string;
    if (this.base === 0 && end < b.length && b.length - end <= WHOLE_DECODE_TAIL && !this.sawHigh) {
      // A head followed by a small body in the same read (a typical response): decode the whole
      // read and cut the string. A view of the head would cost more: on JavaScriptCore the first
      // subarray of a small fresh array moves its bytes out of the GC heap. The cut is exact,
      // because every byte before `end` is ASCII and UTF-8 decoding goes left to right.
      s = decodeAsciiPrefix(b, end);
    } else {
      s = decodeLatin1(b, this.base, end, !this.sawHigh);
    }
    this.buf = this.acc; // do not pin the caller's chunk while the connection idles
    return s;
  }

  /** The fields as offsets into the decoded head `text` (from `text()`). */
  fieldTable(text: string): FieldTable {
    const n = this.fieldCount;
    // A plain array: a typed array per head costs ~200 ns to allocate on V8 (Deno, Node).
    const offs = new Array<number>(4 * n);
    const src = this.offs;
    for (let k = 0; k < 4 * n; k++) offs[k] = src[k]!;
    return new FieldTable(text, offs, n, this.folded.length === 0 ? null : this.folded.slice());
  }
}

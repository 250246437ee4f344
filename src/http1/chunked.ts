/** Chunked transfer-coding framing (R4 / S11): sizes, extensions and CRLFs, byte exact. */
import { BACKSLASH, CR, DQUOTE, EQUALS, HEX, HTAB, LF, QDTEXT, SEMI, SP, TCHAR } from './chars.ts';
import type { CodecDetail } from './errors.ts';

export const CS_SIZE_START = 0;
const CS_SIZE = 1;
const CS_SIZE_WS = 2;
const CS_EXT_NAME_START = 3;
const CS_EXT_NAME = 4;
const CS_EXT_NAME_WS = 5;
const CS_EXT_VALUE_START = 6;
const CS_EXT_TOKEN = 7;
const CS_EXT_QUOTED = 8;
const CS_EXT_QUOTED_ESC = 9;
const CS_EXT_AFTER_VALUE = 10;
const CS_SIZE_LF = 11;
/** Inside chunk data: the owner delivers `remaining` bytes as body. */
export const CS_DATA = 12;
const CS_DATA_CR = 13;
const CS_DATA_LF = 14;
/** After the last-chunk line: a trailer section follows. */
export const CS_TRAILERS = 15;
const CS_EXT_VALUE_WS = 16;

const MAX_SIZE_DIGITS = 16;
/** Extension bytes allowed on one chunk-size line; we drop extensions, so keep them short. */
const MAX_EXTENSION_BYTES = 4096;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * `chunk-size [chunk-ext] CRLF data CRLF ... last-chunk`: 1-16 HEXDIG checked digit by digit
 * (≤ 2^53-1 and ≤ the body limit), extensions validated per RFC 9112 §7.1.1 and discarded,
 * CRLF exactly (no bare LF, no whitespace before CRLF).
 */
export class ChunkedDecoder {
  state = CS_SIZE_START;
  /** Data bytes left in the current chunk. */
  remaining = 0;
  /** Data bytes announced so far (body limit). */
  total = 0;
  maxBody = Infinity;
  error: CodecDetail | null = null;
  private size = 0;
  private digits = 0;
  private extBytes = 0;

  reset(maxBody: number): void {
    this.state = CS_SIZE_START;
    this.remaining = 0;
    this.total = 0;
    this.maxBody = maxBody;
    this.error = null;
  }

  private fail(detail: CodecDetail, i: number): number {
    this.error = detail;
    return i;
  }

  /** Consume framing bytes from b[i]; stops at end, at data (CS_DATA), at trailers, or on error. */
  scan(b: Uint8Array, i: number, end: number): number {
    let st = this.state;
    while (i < end) {
      const c = b[i]!;
      switch (st) {
        case CS_SIZE_START: {
          const d = HEX[c]!;
          if (d < 0) return this.fail('http1.invalid_chunk_size', i);
          this.size = d;
          this.digits = 1;
          this.extBytes = 0;
          st = CS_SIZE;
          break;
        }
        case CS_SIZE: {
          const d = HEX[c]!;
          if (d >= 0) {
            if (++this.digits > MAX_SIZE_DIGITS || this.size > (MAX_SAFE - d) / 16) {
              return this.fail('http1.chunk_size_too_large', i);
            }
            this.size = this.size * 16 + d;
          } else if (c === CR) st = CS_SIZE_LF;
          else if (c === SEMI) st = CS_EXT_NAME_START;
          else if (c === SP || c === HTAB) st = CS_SIZE_WS;
          else return this.fail('http1.invalid_chunk_size', i);
          break;
        }
        case CS_SIZE_WS:
          if (c === SEMI) st = CS_EXT_NAME_START;
          else if (c !== SP && c !== HTAB) return this.fail('http1.invalid_chunk_size', i);
          break;
        case CS_SIZE_LF: {
          if (c !== LF) return this.fail('http1.bare_cr', i);
          i++;
          if (this.size === 0) {
            this.state = CS_TRAILERS;
            return i;
          }
          this.total += this.size;
          if (this.total > this.maxBody) return this.fail('http1.body_too_large', i);
          this.remaining = this.size;
          this.state = CS_DATA;
          return i;
        }
        case CS_DATA_CR:
          if (c !== CR) return this.fail('http1.invalid_chunk_terminator', i);
          st = CS_DATA_LF;
          break;
        case CS_DATA_LF:
          if (c !== LF) return this.fail('http1.invalid_chunk_terminator', i);
          st = CS_SIZE_START;
          break;
        case CS_DATA:
        case CS_TRAILERS:
          this.state = st;
          return i;
        default:
          st = this.extension(st, c);
          if (st < 0) return this.fail('http1.invalid_chunk_extension', i);
          if (++this.extBytes > MAX_EXTENSION_BYTES) return this.fail('http1.invalid_chunk_extension', i);
      }
      i++;
    }
    this.state = st;
    return i;
  }

  /** The chunk data ended: its CRLF comes next. */
  dataDone(): void {
    this.state = CS_DATA_CR;
  }

  /** chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] ); -1 on error. */
  private extension(st: number, c: number): number {
    switch (st) {
      case CS_EXT_NAME_START:
        if (c === SP || c === HTAB) return st;
        return TCHAR[c] === 1 ? CS_EXT_NAME : -1;
      case CS_EXT_NAME:
        if (TCHAR[c] === 1) return st;
        if (c === CR) return CS_SIZE_LF;
        if (c === SEMI) return CS_EXT_NAME_START;
        if (c === EQUALS) return CS_EXT_VALUE_START;
        if (c === SP || c === HTAB) return CS_EXT_NAME_WS;
        return -1;
      case CS_EXT_NAME_WS:
        if (c === SP || c === HTAB) return st;
        if (c === SEMI) return CS_EXT_NAME_START;
        if (c === EQUALS) return CS_EXT_VALUE_START;
        return -1;
      case CS_EXT_VALUE_START:
        if (c === SP || c === HTAB) return st;
        if (c === DQUOTE) return CS_EXT_QUOTED;
        return TCHAR[c] === 1 ? CS_EXT_TOKEN : -1;
      case CS_EXT_TOKEN:
        if (TCHAR[c] === 1) return st;
        if (c === CR) return CS_SIZE_LF;
        if (c === SEMI) return CS_EXT_NAME_START;
        if (c === SP || c === HTAB) return CS_EXT_VALUE_WS;
        return -1;
      case CS_EXT_QUOTED:
        if (c === DQUOTE) return CS_EXT_AFTER_VALUE;
        if (c === BACKSLASH) return CS_EXT_QUOTED_ESC;
        return QDTEXT[c] === 1 || c >= 0x80 ? st : -1;
      case CS_EXT_QUOTED_ESC:
        return c === HTAB || (c >= 0x20 && c !== 0x7f) ? CS_EXT_QUOTED : -1;
      case CS_EXT_AFTER_VALUE:
        if (c === SP || c === HTAB) return CS_EXT_VALUE_WS;
        if (c === SEMI) return CS_EXT_NAME_START;
        if (c === CR) return CS_SIZE_LF;
        return -1;
      case CS_EXT_VALUE_WS:
        // Whitespace is only BWS before the next ";": never before the CRLF.
        if (c === SP || c === HTAB) return st;
        return c === SEMI ? CS_EXT_NAME_START : -1;
      default:
        return -1;
    }
  }
}

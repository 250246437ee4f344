/**
 * Reads just the status line of an HTTP/1 response: all a health check needs. Deliberately
 * minimal and independent of the full codec in src/http1/.
 */

/** Longest status line accepted; a longer one is a protocol failure, not a reason to buffer. */
export const MAX_STATUS_LINE_BYTES = 1024;

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;

/** What the reader knows so far. */
export type StatusLineResult =
  | { kind: 'incomplete' }
  | { kind: 'status'; status: number }
  | { kind: 'invalid'; reason: string };

const INCOMPLETE: StatusLineResult = { kind: 'incomplete' };

/** Accumulates bytes until a full line arrives, then parses `HTTP/1.x SSS [reason]`. */
export class StatusLineReader {
  private buf = new Uint8Array(0);
  private done: StatusLineResult = INCOMPLETE;

  /** Feed a chunk; once a result other than `incomplete` is returned, later chunks are ignored. */
  push(chunk: Uint8Array): StatusLineResult {
    if (this.done.kind !== 'incomplete') return this.done;
    const start = this.buf.length;
    const merged = new Uint8Array(start + chunk.length);
    merged.set(this.buf, 0);
    merged.set(chunk, start);
    this.buf = merged;
    const lf = merged.indexOf(LF, start);
    if (lf < 0) {
      if (merged.length > MAX_STATUS_LINE_BYTES) this.done = { kind: 'invalid', reason: 'status line too long' };
      return this.done;
    }
    if (lf > MAX_STATUS_LINE_BYTES) {
      this.done = { kind: 'invalid', reason: 'status line too long' };
      return this.done;
    }
    const end = lf > 0 && merged[lf - 1] === CR ? lf - 1 : lf;
    this.done = parseStatusLine(merged.subarray(0, end));
    return this.done;
  }
}

const PREFIX = [0x48, 0x54, 0x54, 0x50, 0x2f, 0x31, 0x2e]; // "HTTP/1."

function isDigit(b: number | undefined): b is number {
  return b !== undefined && b >= 0x30 && b <= 0x39;
}

/** Parses a status line without its line ending. */
export function parseStatusLine(line: Uint8Array): StatusLineResult {
  for (let i = 0; i < PREFIX.length; i++) {
    if (line[i] !== PREFIX[i]) return { kind: 'invalid', reason: 'not an HTTP/1 status line' };
  }
  const minor = line[7];
  if (minor !== 0x30 && minor !== 0x31) return { kind: 'invalid', reason: 'unsupported HTTP version' };
  if (line[8] !== SP) return { kind: 'invalid', reason: 'missing space after version' };
  const d0 = line[9];
  const d1 = line[10];
  const d2 = line[11];
  if (!isDigit(d0) || !isDigit(d1) || !isDigit(d2)) return { kind: 'invalid', reason: 'status is not three digits' };
  if (line.length > 12 && line[12] !== SP) return { kind: 'invalid', reason: 'status is not three digits' };
  const status = (d0 - 0x30) * 100 + (d1 - 0x30) * 10 + (d2 - 0x30);
  if (status < 100) return { kind: 'invalid', reason: 'status out of range' };
  return { kind: 'status', status };
}

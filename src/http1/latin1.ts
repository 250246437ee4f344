/** Byte ↔ string conversion where one char is one byte (ISO-8859-1), as field values need (R9). */

// For pure ASCII input UTF-8 decoding is byte-exact and the fastest native path everywhere.
// TextDecoder('latin1') is really windows-1252 (0x80-0x9F differ), so it is never used.
const utf8 = new TextDecoder();
const ascii = new TextEncoder();

/** Decode b[s..e); `asciiOnly` must be true only when no byte is ≥ 0x80. */
export function decodeLatin1(b: Uint8Array, s: number, e: number, asciiOnly: boolean): string {
  if (asciiOnly) return utf8.decode(s === 0 && e === b.length ? b : b.subarray(s, e));
  let out = '';
  for (let i = s; i < e; i += 4096) {
    const part = b.subarray(i, Math.min(e, i + 4096));
    out += String.fromCharCode.apply(null, part as unknown as number[]);
  }
  return out;
}

/**
 * b[0..end) as a string, decoding the whole of `b` (no view of it is made). Exact only when
 * b[0..end) is ASCII: UTF-8 decoding goes left to right, so whatever follows cannot shift it.
 */
export function decodeAsciiPrefix(b: Uint8Array, end: number): string {
  return utf8.decode(b).slice(0, end);
}

/** Byte length of `s` written as latin1 (one byte per char; chars above 0xFF are a caller bug). */
export function writeLatin1(s: string, out: Uint8Array, at: number): number {
  const n = s.length;
  for (let i = 0; i < n; i++) out[at + i] = s.charCodeAt(i);
  return at + n;
}

/**
 * Write `s` at `at` and return the end offset. Pure-ASCII strings go through the native encoder;
 * a string with chars 0x80-0xFF would come out as UTF-8, so it is rewritten byte by byte.
 */
export function writeString(s: string, out: Uint8Array, at: number): number {
  const r = ascii.encodeInto(s, at === 0 ? out : out.subarray(at));
  if (r.written === s.length && r.read === s.length) return at + s.length;
  return writeLatin1(s, out, at);
}

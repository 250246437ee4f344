/** Byte classification tables for the HTTP/1 codec: one lookup per byte instead of range checks or regexes. */

export const CR = 13;
export const LF = 10;
export const SP = 32;
export const HTAB = 9;
export const COLON = 58;
export const SEMI = 59;
export const COMMA = 44;
export const DQUOTE = 34;
export const BACKSLASH = 92;
export const EQUALS = 61;
export const HASH = 35;

function table(pred: (c: number) => boolean): Uint8Array {
  const t = new Uint8Array(256);
  for (let c = 0; c < 256; c++) t[c] = pred(c) ? 1 : 0;
  return t;
}

const TCHAR_PUNCT = "!#$%&'*+-.^_`|~";

function isTchar(c: number): boolean {
  return (
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    (c < 0x80 && TCHAR_PUNCT.includes(String.fromCharCode(c)))
  );
}

/** RFC 9110 §5.6.2 tchar: method names, field names, codings, chunk-extension names. */
export const TCHAR = table(isTchar);

/**
 * Field-value bytes that need no further thought: HTAB, SP and VCHAR. obs-text (0x80-0xFF) is legal
 * too but handled off the fast loop, so the parser learns the head is not pure ASCII (decode choice).
 */
export const VALUE = table((c) => c === HTAB || (c >= 0x20 && c <= 0x7e));

/** Request-target bytes (R10): 0x21-0x7E, except '#', which is rejected with its own detail. */
export const TARGET = table((c) => c >= 0x21 && c <= 0x7e && c !== HASH);

/** quoted-string qdtext in chunk extensions (RFC 9110 §5.6.4), ASCII part. */
export const QDTEXT = table(
  (c) => c === HTAB || c === SP || c === 0x21 || (c >= 0x23 && c <= 0x5b) || (c >= 0x5d && c <= 0x7e),
);

/** HEXDIG value, or -1. */
export const HEX = (() => {
  const t = new Int8Array(256).fill(-1);
  for (let c = 0; c < 10; c++) t[0x30 + c] = c;
  for (let c = 0; c < 6; c++) {
    t[0x41 + c] = 10 + c;
    t[0x61 + c] = 10 + c;
  }
  return t;
})();

/** reg-name / IPv4 bytes of a Host (RFC 3986 unreserved + sub-delims; '%' handled separately). */
export const REG_NAME = table(
  (c) =>
    (c >= 0x30 && c <= 0x39) ||
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    (c < 0x80 && "-._~!$&'()*+,;=".includes(String.fromCharCode(c))),
);

/** True when the bytes b[s..e) equal `lower` ignoring ASCII case (`lower` is lowercase ASCII). */
export function bytesEqualLower(b: Uint8Array, s: number, e: number, lower: string): boolean {
  if (e - s !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    let c = b[s + i]!;
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** True when `name` equals `lower` ignoring ASCII case, without allocating. */
export function stringEqualLower(name: string, lower: string): boolean {
  if (name.length !== lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    let c = name.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

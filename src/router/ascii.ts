/** ASCII case folding without allocating: header names and paths compare case-insensitively. */

/** `c` folded to lower case when it is an ASCII upper-case letter. */
function lower(c: number): number {
  return c >= 0x41 && c <= 0x5a ? c | 0x20 : c;
}

/** True when `s` has an ASCII upper-case letter (so it needs `toLowerCase`). */
export function hasUpperAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) return true;
  }
  return false;
}

/** `s` equals `lowerTarget` (already lower case) ignoring ASCII case. */
export function equalsIgnoreCase(s: string, lowerTarget: string): boolean {
  if (s.length !== lowerTarget.length) return false;
  for (let i = 0; i < s.length; i++) {
    if (lower(s.charCodeAt(i)) !== lowerTarget.charCodeAt(i)) return false;
  }
  return true;
}

/** `s` starts with `lowerPrefix` (already lower case) ignoring ASCII case. */
export function startsWithIgnoreCase(s: string, lowerPrefix: string): boolean {
  if (s.length < lowerPrefix.length) return false;
  for (let i = 0; i < lowerPrefix.length; i++) {
    if (lower(s.charCodeAt(i)) !== lowerPrefix.charCodeAt(i)) return false;
  }
  return true;
}

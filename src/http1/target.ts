/** Request-target forms (R11) and Host syntax (R12), checked on the decoded strings. */
import { HEX, REG_NAME } from './chars.ts';
import type { CodecDetail } from './errors.ts';

/**
 * `uri-host [":" port]` (RFC 9110 §7.2) on bytes b[s..e): reg-name / IPv4 / `[IPv6]`, port
 * 1*5 DIGIT ≤ 65535, no userinfo, no path, ASCII only. `requirePort` for CONNECT's authority-form.
 */
export function isValidHostBytes(b: Uint8Array, s: number, e: number, requirePort: boolean): boolean {
  let i = s;
  if (i >= e) return false;
  if (b[i] === 0x5b /* [ */) {
    i++;
    while (i < e) {
      const c = b[i]!;
      if (c === 0x5d /* ] */) break;
      if (HEX[c]! < 0 && c !== 0x3a && c !== 0x2e) return false;
      i++;
    }
    if (i >= e || i === s + 1) return false;
    i++;
  } else {
    while (i < e) {
      const c = b[i]!;
      if (c === 0x3a /* : */) break;
      if (c === 0x25 /* % */) {
        if (i + 2 >= e || HEX[b[i + 1]!]! < 0 || HEX[b[i + 2]!]! < 0) return false;
        i += 3;
        continue;
      }
      if (REG_NAME[c] !== 1) return false;
      i++;
    }
    if (i === s) return false;
  }
  if (i === e) return !requirePort;
  if (b[i] !== 0x3a) return false;
  i++;
  if (e - i < 1 || e - i > 5) return false;
  let port = 0;
  for (; i < e; i++) {
    const d = b[i]! - 0x30;
    if (d < 0 || d > 9) return false;
    port = port * 10 + d;
  }
  return port <= 65535;
}

/** isValidHostBytes for a string (absolute-form and authority-form targets, configured hosts). */
export function isValidHost(h: string, requirePort: boolean): boolean {
  const b = new Uint8Array(h.length);
  for (let i = 0; i < h.length; i++) {
    const c = h.charCodeAt(i);
    if (c > 0x7f) return false;
    b[i] = c;
  }
  return isValidHostBytes(b, 0, b.length, requirePort);
}

/** The analysed request-target, or an error detail. Reused per parser to avoid an allocation. */
export class TargetInfo {
  form: 'origin' | 'absolute' | 'authority' | 'asterisk' = 'origin';
  path = '';
  authority: string | null = null;
  error: CodecDetail | null = null;
}

/**
 * R11: origin-form for most methods, `*` only for OPTIONS, authority-form only (and always) for
 * CONNECT, absolute-form with an http/https scheme: its authority becomes the host, its
 * path-and-query the forwarded target.
 */
export function analyzeTarget(method: string, target: string, out: TargetInfo): void {
  out.error = null;
  out.authority = null;
  const c0 = target.charCodeAt(0);
  if (method === 'CONNECT') {
    out.form = 'authority';
    out.path = target;
    if (!isValidHost(target, true)) out.error = 'http1.invalid_url';
    else out.authority = target;
    return;
  }
  if (c0 === 0x2f /* / */) {
    out.form = 'origin';
    out.path = target;
    return;
  }
  if (target === '*') {
    out.form = 'asterisk';
    out.path = target;
    if (method !== 'OPTIONS') out.error = 'http1.target_form_mismatch';
    return;
  }
  out.form = 'absolute';
  out.path = target;
  let i: number;
  if (startsWithLower(target, 'http://')) i = 7;
  else if (startsWithLower(target, 'https://')) i = 8;
  else {
    // authority-form on a non-CONNECT method, or another scheme: both rejected (R11).
    out.error = isValidHost(target, true) ? 'http1.target_form_mismatch' : 'http1.invalid_url';
    return;
  }
  let j = i;
  while (j < target.length) {
    const c = target.charCodeAt(j);
    if (c === 0x2f || c === 0x3f) break;
    j++;
  }
  const authority = target.slice(i, j);
  if (!isValidHost(authority, false)) {
    out.error = 'http1.invalid_url';
    return;
  }
  out.authority = authority;
  if (j === target.length) out.path = '/';
  else if (target.charCodeAt(j) === 0x3f) out.path = '/' + target.slice(j);
  else out.path = target.slice(j);
}

function startsWithLower(s: string, lower: string): boolean {
  if (s.length < lower.length) return false;
  for (let i = 0; i < lower.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

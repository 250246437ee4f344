/** Request line (R10) and status line (S1) scanners: byte exact, resumable at any byte. */
import { CR, LF, SP, TARGET, TCHAR, VALUE, HASH } from './chars.ts';
import type { HeadParser } from './head-parser.ts';

/** Longest method token accepted (R10). */
export const MAX_METHOD_LENGTH = 32;

const RL_METHOD = 0;
const RL_TARGET_START = 1;
const RL_TARGET = 2;
const RL_VERSION = 3;
const RL_CR = 4;
const RL_LF = 5;

const HTTP_SLASH = [0x48, 0x54, 0x54, 0x50, 0x2f]; // "HTTP/"

/**
 * Consume one byte of `HTTP/d.d` at version index h.vi. Returns false on a mismatch. The digits
 * land in h.major / h.versionMinor.
 */
function versionByte(h: HeadParser, c: number): boolean {
  const k = h.vi;
  if (k < 5) {
    if (c !== HTTP_SLASH[k]) return false;
  } else if (k === 6) {
    if (c !== 0x2e) return false;
  } else {
    const d = c - 0x30;
    if (d < 0 || d > 9) return false;
    if (k === 5) h.major = d;
    else h.versionMinor = d;
  }
  h.vi = k + 1;
  return true;
}

/** `method SP request-target SP HTTP/1.x CRLF`, exactly (R10); the target form is checked later (R11). */
export function scanRequestLine(h: HeadParser, b: Uint8Array, i: number, end: number): number {
  const base = h.base;
  let st = h.sstate;
  while (i < end) {
    if (st === RL_METHOD) {
      while (i < end && TCHAR[b[i]!] === 1) i++;
      if (i - base > MAX_METHOD_LENGTH) return h.fail('http1.invalid_method', i);
      if (i === end) break;
      if (b[i] !== SP || i === base) return h.fail('http1.invalid_method', i);
      h.methodEnd = i - base;
      i++;
      st = RL_TARGET_START;
      if (i === end) break;
    }
    if (st === RL_TARGET_START) {
      if (TARGET[b[i]!] !== 1) return h.fail(b[i] === HASH ? 'http1.fragment_in_target' : 'http1.invalid_url', i);
      st = RL_TARGET;
    }
    if (st === RL_TARGET) {
      while (i < end && TARGET[b[i]!] === 1) i++;
      if (i - base > h.maxStartLine) return h.fail('http1.request_line_too_long', i);
      if (i === end) break;
      const c = b[i]!;
      if (c !== SP) {
        return h.fail(
          c === HASH ? 'http1.fragment_in_target' : c === CR || c === LF ? 'http1.http09_rejected' : 'http1.invalid_url',
          i,
        );
      }
      h.targetEnd = i - base;
      i++;
      h.vi = 0;
      st = RL_VERSION;
    }
    if (st === RL_VERSION) {
      while (i < end && h.vi < 8) {
        if (!versionByte(h, b[i]!)) return h.fail('http1.invalid_version', i);
        i++;
      }
      if (h.vi < 8) break;
      if (h.major !== 1 || h.versionMinor > 1) {
        // R16: the HTTP/2 connection preface is a 400, not a version we could support.
        const pri = h.major === 2 && h.methodEnd === 3 && b[base] === 0x50 && b[base + 1] === 0x52 && b[base + 2] === 0x49;
        return h.fail(pri ? 'http1.h2_preface_rejected' : 'http1.unsupported_version', i);
      }
      st = RL_CR;
      if (i === end) break;
    }
    if (st === RL_CR) {
      if (b[i] !== CR) return h.fail(b[i] === LF ? 'http1.bare_lf' : 'http1.invalid_version', i);
      i++;
      st = RL_LF;
      if (i === end) break;
    }
    // RL_LF
    if (b[i] !== LF) return h.fail('http1.bare_cr', i);
    i++;
    if (i - base - 2 > h.maxStartLine) return h.fail('http1.request_line_too_long', i);
    h.phase = 1;
    h.sstate = st;
    return i;
  }
  if (i - base > h.maxStartLine) return h.fail('http1.request_line_too_long', i);
  h.sstate = st;
  return i;
}

const SL_VERSION = 0;
const SL_SP = 1;
const SL_STATUS = 2;
const SL_AFTER_STATUS = 3;
const SL_REASON = 4;
const SL_LF = 5;

/** `HTTP/1.x SP 3DIGIT [SP reason] CRLF` (S1): status 100-599, reason HTAB/SP/VCHAR/obs-text. */
export function scanStatusLine(h: HeadParser, b: Uint8Array, i: number, end: number): number {
  const base = h.base;
  let st = h.sstate;
  while (i < end) {
    if (st === SL_VERSION) {
      while (i < end && h.vi < 8) {
        if (!versionByte(h, b[i]!)) return h.fail('http1.invalid_status_line', i);
        i++;
      }
      if (h.vi < 8) break;
      if (h.major !== 1 || h.versionMinor > 1) return h.fail('http1.invalid_status_line', i);
      st = SL_SP;
      if (i === end) break;
    }
    if (st === SL_SP) {
      if (b[i] !== SP) return h.fail('http1.invalid_status_line', i);
      i++;
      h.vi = 0;
      h.status = 0;
      st = SL_STATUS;
    }
    if (st === SL_STATUS) {
      while (i < end && h.vi < 3) {
        const d = b[i]! - 0x30;
        if (d < 0 || d > 9) return h.fail('http1.invalid_status', i);
        h.status = h.status * 10 + d;
        h.vi++;
        i++;
      }
      if (h.vi < 3) break;
      if (h.status < 100 || h.status > 599) return h.fail('http1.invalid_status', i);
      st = SL_AFTER_STATUS;
      if (i === end) break;
    }
    if (st === SL_AFTER_STATUS) {
      const c = b[i]!;
      if (c === SP) {
        i++;
        h.reasonStart = i - base;
        st = SL_REASON;
      } else if (c === CR) {
        h.reasonStart = i - base;
        h.reasonEnd = i - base;
        i++;
        st = SL_LF;
        if (i === end) break;
      } else {
        return h.fail(c === LF ? 'http1.bare_lf' : 'http1.invalid_status', i);
      }
    }
    if (st === SL_REASON) {
      for (;;) {
        while (i < end && VALUE[b[i]!] === 1) i++;
        if (i === end || b[i]! < 0x80) break;
        h.sawHigh = true;
        i++;
      }
      if (i - base > h.maxBytes) return h.fail('http1.headers_too_large', i);
      if (i === end) break;
      const c = b[i]!;
      if (c !== CR) return h.fail(c === LF ? 'http1.bare_lf' : 'http1.invalid_status_line', i);
      h.reasonEnd = i - base;
      i++;
      st = SL_LF;
      if (i === end) break;
    }
    // SL_LF
    if (b[i] !== LF) return h.fail('http1.bare_cr', i);
    i++;
    h.phase = 1;
    h.sstate = st;
    return i;
  }
  h.sstate = st;
  return i;
}

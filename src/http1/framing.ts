/** Framing facts gathered from header values on the raw bytes (CL, TE, Connection, Upgrade, Expect). */
import { bytesEqualLower, COMMA, HTAB, SP, TCHAR } from './chars.ts';

const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/** Known field names the parser acts on, by id. */
export const F_OTHER = 0;
export const F_CONTENT_LENGTH = 1;
export const F_TRANSFER_ENCODING = 2;
export const F_CONNECTION = 3;
export const F_UPGRADE = 4;
export const F_HOST = 5;
export const F_EXPECT = 6;
export const F_PROXY_CONNECTION = 7;

/** Identify a field name b[s..e) (already validated as a token) without allocating. */
export function fieldId(b: Uint8Array, s: number, e: number): number {
  switch (e - s) {
    case 4:
      return bytesEqualLower(b, s, e, 'host') ? F_HOST : F_OTHER;
    case 6:
      return bytesEqualLower(b, s, e, 'expect') ? F_EXPECT : F_OTHER;
    case 7:
      return bytesEqualLower(b, s, e, 'upgrade') ? F_UPGRADE : F_OTHER;
    case 10:
      return bytesEqualLower(b, s, e, 'connection') ? F_CONNECTION : F_OTHER;
    case 14:
      return bytesEqualLower(b, s, e, 'content-length') ? F_CONTENT_LENGTH : F_OTHER;
    case 16:
      return bytesEqualLower(b, s, e, 'proxy-connection') ? F_PROXY_CONNECTION : F_OTHER;
    case 17:
      return bytesEqualLower(b, s, e, 'transfer-encoding') ? F_TRANSFER_ENCODING : F_OTHER;
    default:
      return F_OTHER;
  }
}

/**
 * Content-Length value (OWS already trimmed) as an exact integer: 1*DIGIT, digit by digit,
 * rejecting anything above 2^53-1 (principle 5). Returns -1 when invalid.
 */
export function parseContentLength(b: Uint8Array, s: number, e: number): number {
  if (s >= e) return -1;
  let v = 0;
  for (let i = s; i < e; i++) {
    const d = b[i]! - 0x30;
    if (d < 0 || d > 9) return -1;
    if (v > (MAX_SAFE - d) / 10) return -1;
    v = v * 10 + d;
  }
  return v;
}

/** Bounds of the current list element, OWS-trimmed: [start, end) (scratch, not reentrant). */
const el = new Int32Array(2);

/**
 * `#element` list walking (RFC 9110 §5.6.1): finds the element starting at `i`, stores its
 * trimmed bounds in `el`, and returns where the next one starts (> e when this was the last).
 */
function element(b: Uint8Array, i: number, e: number): number {
  let j = i;
  while (j < e && b[j] !== COMMA) j++;
  let es = i;
  let ee = j;
  while (es < ee && (b[es] === SP || b[es] === HTAB)) es++;
  while (ee > es && (b[ee - 1] === SP || b[ee - 1] === HTAB)) ee--;
  el[0] = es;
  el[1] = ee;
  return j + 1;
}

/** What the header section said about framing and persistence; reset per message. */
export class FramingFacts {
  contentLengthLines = 0;
  contentLength = -1;
  teLines = 0;
  teChunked = 0;
  teLastIsChunked = false;
  teEmptyElement = false;
  teOtherCoding = false;
  connClose = false;
  connKeepAlive = false;
  connUpgrade = false;
  connInvalid = false;
  upgradeLines = 0;
  /** An Upgrade element other than h2c: the client asked to switch (R16: such a request has no body). */
  upgradeOtherThanH2c = false;
  /** An Upgrade element `websocket`: the only protocol the proxy switches to (R16). */
  upgradeWebsocket = false;
  /** An Upgrade element other than `websocket` (h2c included): a 101 naming one is not ours (S6). */
  upgradeNotWebsocket = false;
  hostLines = 0;
  /** Index (field number) of the Host line, for its value string. */
  hostField = -1;
  hostInvalid = false;
  expectContinue = false;
  expectOther = false;

  reset(): void {
    this.contentLengthLines = 0;
    this.contentLength = -1;
    this.teLines = 0;
    this.teChunked = 0;
    this.teLastIsChunked = false;
    this.teEmptyElement = false;
    this.teOtherCoding = false;
    this.connClose = false;
    this.connKeepAlive = false;
    this.connUpgrade = false;
    this.connInvalid = false;
    this.upgradeLines = 0;
    this.upgradeOtherThanH2c = false;
    this.upgradeWebsocket = false;
    this.upgradeNotWebsocket = false;
    this.hostLines = 0;
    this.hostField = -1;
    this.hostInvalid = false;
    this.expectContinue = false;
    this.expectOther = false;
  }

  /**
   * R3 / S4 on the combined TE list: 'chunked' when it is exactly one `chunked`; 'malformed' when
   * chunked repeats, is not last, or an element is empty; 'unsupported' for any other coding.
   */
  transferCoding(): 'chunked' | 'malformed' | 'unsupported' {
    if (this.teEmptyElement || this.teChunked > 1 || (this.teChunked === 1 && !this.teLastIsChunked)) return 'malformed';
    return this.teOtherCoding || this.teChunked === 0 ? 'unsupported' : 'chunked';
  }

  /** RFC 9112 §9.3: HTTP/1.1 persists unless `close`; HTTP/1.0 only with `keep-alive`. */
  persistent(versionMinor: number): boolean {
    return versionMinor === 1 ? !this.connClose : this.connKeepAlive && !this.connClose;
  }

  /** R3/S4: combine every TE line into one list; classify each OWS-trimmed element. */
  addTransferEncoding(b: Uint8Array, s: number, e: number): void {
    this.teLines++;
    for (let i = s; i <= e; ) {
      i = element(b, i, e);
      const es = el[0]!;
      const ee = el[1]!;
      if (es === ee) {
        this.teEmptyElement = true;
        this.teLastIsChunked = false;
      } else if (bytesEqualLower(b, es, ee, 'chunked')) {
        this.teChunked++;
        this.teLastIsChunked = true;
      } else {
        this.teOtherCoding = true;
        this.teLastIsChunked = false;
      }
    }
  }

  /** Connection options: close / keep-alive / upgrade; any non-token element makes the field invalid. */
  addConnection(b: Uint8Array, s: number, e: number): void {
    for (let i = s; i <= e; ) {
      i = element(b, i, e);
      const es = el[0]!;
      const ee = el[1]!;
      if (es < ee) {
        for (let k = es; k < ee; k++) {
          if (TCHAR[b[k]!] !== 1) {
            this.connInvalid = true;
            break;
          }
        }
        const n = ee - es;
        if (n === 5 && bytesEqualLower(b, es, ee, 'close')) this.connClose = true;
        else if (n === 10 && bytesEqualLower(b, es, ee, 'keep-alive')) this.connKeepAlive = true;
        else if (n === 7 && bytesEqualLower(b, es, ee, 'upgrade')) this.connUpgrade = true;
      }
    }
  }

  /**
   * Proxy-Connection is not standard, but peers (and llhttp) read `close` in it: closing is the
   * safe reading, so only `close` counts; its keep-alive never makes a connection persistent.
   */
  addProxyConnection(b: Uint8Array, s: number, e: number): void {
    for (let i = s; i <= e; ) {
      i = element(b, i, e);
      const es = el[0]!;
      const ee = el[1]!;
      if (bytesEqualLower(b, es, ee, 'close')) this.connClose = true;
    }
  }

  /**
   * Upgrade protocols (R16): only `websocket` is ever a switch; h2c never counts (we never speak
   * h2c), and other protocols are dropped with the Upgrade field, so the upstream cannot switch to them.
   */
  addUpgrade(b: Uint8Array, s: number, e: number): void {
    this.upgradeLines++;
    for (let i = s; i <= e; ) {
      i = element(b, i, e);
      const es = el[0]!;
      const ee = el[1]!;
      if (es === ee) continue;
      if (bytesEqualLower(b, es, ee, 'websocket')) {
        this.upgradeWebsocket = true;
        this.upgradeOtherThanH2c = true;
        continue;
      }
      this.upgradeNotWebsocket = true;
      if (!bytesEqualLower(b, es, ee, 'h2c')) this.upgradeOtherThanH2c = true;
    }
  }

  /** R15: only `100-continue` (case-insensitive) is an expectation we meet. */
  addExpect(b: Uint8Array, s: number, e: number): void {
    if (bytesEqualLower(b, s, e, '100-continue')) this.expectContinue = true;
    else this.expectOther = true;
  }
}

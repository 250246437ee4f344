/** R17: which fields never cross the proxy, including the ones a Connection header nominates. */
import { HTAB, SP, TCHAR, stringEqualLower } from './chars.ts';
import { rangeEqualLower, type FieldTable } from './field-table.ts';

/** How a received field is treated when a head is re-serialized. */
export const KEEP = 0;
export const DROP = 1;
/** Host: replaced by the effective host on requests. */
export const HOST = 2;
/** Upgrade: kept only when the head is written for a protocol switch. */
export const UPGRADE = 3;
/** Expect: requests only (R15: the proxy answers 100-continue itself). */
export const EXPECT = 4;

/**
 * Classify a field name without allocating: hop-by-hop fields (Connection, Keep-Alive,
 * Proxy-Connection, TE, Transfer-Encoding, Upgrade, HTTP2-Settings, Trailer) and the peer's
 * framing (Content-Length) are never copied; the writer generates its own.
 */
export function fieldDisposition(name: string): number {
  return fieldDispositionAt(name, 0, name.length);
}

/** `fieldDisposition` of the name text[s, e), for writers copying ranges of a parsed head. */
export function fieldDispositionAt(text: string, s: number, e: number): number {
  switch (e - s) {
    case 2:
      return rangeEqualLower(text, s, 'te') ? DROP : KEEP;
    case 4:
      return rangeEqualLower(text, s, 'host') ? HOST : KEEP;
    case 6:
      return rangeEqualLower(text, s, 'expect') ? EXPECT : KEEP;
    case 7:
      if (rangeEqualLower(text, s, 'upgrade')) return UPGRADE;
      return rangeEqualLower(text, s, 'trailer') ? DROP : KEEP;
    case 10:
      return rangeEqualLower(text, s, 'connection') || rangeEqualLower(text, s, 'keep-alive') ? DROP : KEEP;
    case 14:
      return rangeEqualLower(text, s, 'content-length') || rangeEqualLower(text, s, 'http2-settings') ? DROP : KEEP;
    case 16:
      return rangeEqualLower(text, s, 'proxy-connection') ? DROP : KEEP;
    case 17:
      return rangeEqualLower(text, s, 'transfer-encoding') ? DROP : KEEP;
    default:
      return KEEP;
  }
}

/**
 * Whether any Connection field of `fields` may nominate something (a value other than the plain
 * keep-alive / close / upgrade); only then is the string list needed for `nominatedFields`.
 */
export function mayNominate(fields: FieldTable): boolean {
  const text = fields.text;
  for (let i = 0; i < fields.count; i++) {
    if (!fields.nameIs(i, 'connection')) continue;
    if (fields.isFolded(i)) return true;
    const s = fields.valueStart(i);
    const n = fields.valueEnd(i) - s;
    const plain =
      (n === 10 && rangeEqualLower(text, s, 'keep-alive')) ||
      (n === 5 && rangeEqualLower(text, s, 'close')) ||
      (n === 7 && rangeEqualLower(text, s, 'upgrade'));
    if (!plain) return true;
  }
  return false;
}

/**
 * Names a Connection header may nominate without effect: routing/framing fields and the fields
 * the proxy adds itself (hop-by-hop header abuse, R17).
 */
export const PROTECTED_FROM_NOMINATION: ReadonlySet<string> = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'x-forwarded-for',
  'x-forwarded-proto',
  'x-forwarded-host',
  'x-request-id',
  'x-envoy-expected-rq-timeout-ms',
]);

/**
 * Lowercased connection-options of every Connection field in `headers` other than close,
 * keep-alive and upgrade (handled by framing) and the protected names; null when none.
 */
export function nominatedFields(headers: readonly string[]): string[] | null {
  let out: string[] | null = null;
  for (let i = 0; i < headers.length; i += 2) {
    const name = headers[i]!;
    if (name.length !== 10 || !stringEqualLower(name, 'connection')) continue;
    const v = headers[i + 1]!;
    if (isPlainOption(v)) continue;
    for (const raw of v.split(',')) {
      const opt = trimOws(raw).toLowerCase();
      if (opt === '' || opt === 'close' || opt === 'keep-alive' || opt === 'upgrade') continue;
      if (PROTECTED_FROM_NOMINATION.has(opt)) continue;
      (out ??= []).push(opt);
    }
  }
  return out;
}

/** The common values (`keep-alive`, `close`, `upgrade`, any case) nominate nothing: skip the split. */
function isPlainOption(v: string): boolean {
  return stringEqualLower(v, 'keep-alive') || stringEqualLower(v, 'close') || stringEqualLower(v, 'upgrade');
}

function trimOws(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && (s.charCodeAt(a) === SP || s.charCodeAt(a) === HTAB)) a++;
  while (b > a && (s.charCodeAt(b - 1) === SP || s.charCodeAt(b - 1) === HTAB)) b--;
  return s.slice(a, b);
}

/** A field name the writer may emit: a non-empty token (for configured extra headers). */
export function isValidFieldName(name: string): boolean {
  if (name.length === 0) return false;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i);
    if (c > 0x7f || TCHAR[c] !== 1) return false;
  }
  return true;
}

/** A field value the writer may emit: HTAB/SP/VCHAR/obs-text, no NUL/CR/LF/CTL (R9), no edge OWS. */
export function isValidFieldValue(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c > 0xff || c === 0x7f || (c < 0x20 && c !== HTAB)) return false;
  }
  return trimOws(value).length === value.length;
}

/** Schema building blocks whose error messages say exactly what was expected. */

import { z } from 'zod';
import { didYouMeanSuffix } from './did-you-mean.ts';
import { expectation, listOr } from './describe.ts';
import { parseDuration } from './duration.ts';
import { translateRe2 } from '../router/re2-syntax.ts';
import { routeRegexProblem } from '../router/safe-regex.ts';

// Messages of zod's own issues hold only the "expected ..." part and the issue formatter adds
// ", found ..."; custom issues (added in transforms) carry their whole message.

/** Record a custom issue with its complete message and abort the transform. */
export function fail(ctx: z.core.$RefinementCtx, message: string, input: unknown): never {
  ctx.addIssue({ code: 'custom', message, input });
  return z.NEVER as never;
}

// A string leaf is `z.string()` plus a predicate; the whole message is built here so the
// expectation can be precise ("expected a path starting with /").
function checkedString(expected: string, valid: (s: string) => string | true) {
  return z.unknown().transform((value, ctx): string => {
    if (typeof value !== 'string') return fail(ctx, expectation(expected, value), value);
    const verdict = valid(value);
    if (verdict !== true) return fail(ctx, verdict, value);
    return value;
  });
}

/** Any string (empty allowed). */
export function anyString() {
  return z.string({ error: 'expected a string' });
}

/** A string with at least one character. */
export function nonEmptyString() {
  return checkedString('expected a non-empty string', (s) => (s.length > 0 ? true : expectation('expected a non-empty string', s)));
}

const NAME_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;

/** A name used in stats and admin output: letters, digits, `_`, `-`, `.`. */
export function name() {
  const expected = "expected a name made of letters, digits, '_', '-' or '.'";
  return checkedString(expected, (s) => (NAME_RE.test(s) ? true : expectation(expected, s)));
}

/** An integer in [min, max]. */
export function int(min: number, max: number) {
  const expected = `expected an integer from ${min} to ${max}`;
  return z.int({ error: expected }).min(min, { error: expected }).max(max, { error: expected });
}

/** Largest uint32, Envoy's bound for counts and limits. */
export const UINT32_MAX = 4_294_967_295;

/** A port number; `allowZero` for listeners and admin, where 0 picks a free port. */
export function port(allowZero: boolean) {
  return int(allowZero ? 0 : 1, 65535);
}

export function bool() {
  return z.boolean({ error: 'expected true or false' });
}

/** A duration string converted to milliseconds; `minMs` 1 forbids zero. */
export function duration(minMs = 0) {
  return z.unknown().transform((value, ctx): number => {
    if (value === undefined) return fail(ctx, expectation('expected a duration such as 250ms, 5s, 1.5m or 1h', value), value);
    const result = parseDuration(value);
    if (!result.ok) return fail(ctx, result.message, value);
    if (result.ms < minMs) return fail(ctx, `expected a duration greater than zero, found ${JSON.stringify(value)}`, value);
    return result.ms;
  });
}

/** One of a fixed set of strings, with a suggestion for near misses. */
export function oneOf<const T extends readonly string[]>(values: T) {
  const expected = `expected one of ${listOr([...values])}`;
  return z.unknown().transform((value, ctx): T[number] => {
    if (typeof value === 'string' && (values as readonly string[]).includes(value)) return value as T[number];
    const hint = typeof value === 'string' ? didYouMeanSuffix(value, values) : '';
    return fail(ctx, `${expectation(expected, value)}${hint}`, value);
  });
}

/** A list of `item`; `minItems` 1 with a message naming what is missing. */
export function list<T extends z.ZodType>(item: T, minItems = 0, what = 'item') {
  const base = z.array(item, { error: 'expected a list' });
  return minItems > 0 ? base.min(minItems, { error: `expected at least ${minItems} ${what}` }) : base;
}

const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** True for a dotted-quad IPv4 or an IPv6 literal (without brackets). */
export function isIpLiteral(s: string): boolean {
  if (IPV4_RE.test(s)) return true;
  if (!s.includes(':') || !/^[0-9A-Fa-f:.]+$/.test(s)) return false;
  try {
    return new URL(`http://[${s}]/`).hostname.length > 0;
  } catch {
    return false;
  }
}

const HOSTNAME_RE = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

export function isHostname(s: string): boolean {
  return HOSTNAME_RE.test(s);
}

/** An address to bind: an IP literal. */
export function bindAddress() {
  const expected = 'expected an IP address such as 127.0.0.1, 0.0.0.0 or ::';
  return checkedString(expected, (s) => {
    if (isIpLiteral(s)) return true;
    const hint = s === 'localhost' ? ' (use 127.0.0.1)' : '';
    return `${expectation(expected, s)}${hint}`;
  });
}

/** An upstream address: an IP literal or a hostname. */
export function hostAddress() {
  const expected = 'expected an IP address or a hostname';
  return checkedString(expected, (s) => (isIpLiteral(s) || isHostname(s) ? true : expectation(expected, s)));
}

/** A URL path: starts with `/`, no spaces or control characters. */
export function urlPath(what = 'a path starting with /') {
  const expected = `expected ${what}`;
  return checkedString(expected, (s) => (s.startsWith('/') && !/[\s\x00-\x1f\x7f]/.test(s) ? true : expectation(expected, s)));
}

/** A route regular expression in RE2 syntax: compiles, and stays within what the router accepts (no exponential backtracking). */
export function regex() {
  return checkedString('expected a regular expression', (s) => {
    const t = translateRe2(s);
    if (t.ok) {
      try {
        new RegExp(t.source, t.flags);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        return `expected a valid regular expression, found ${JSON.stringify(s)} (${reason})`;
      }
    }
    const problem = routeRegexProblem(s);
    return problem === null ? true : `expected a regular expression the router accepts, found ${JSON.stringify(s)}: ${problem}`;
  });
}

const TOKEN_RE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** An HTTP header field name (an RFC 9110 token). */
export function headerName() {
  const expected = 'expected an HTTP header name (letters, digits and !#$%&\'*+-.^_`|~)';
  return checkedString(expected, (s) => (TOKEN_RE.test(s) ? true : expectation(expected, s)));
}

/** A header a route matches on: a header name, or the pseudo-headers `:method`, `:path`, `:authority` (as Envoy). */
export function matchedHeaderName() {
  const expected = 'expected an HTTP header name or one of :method, :path, :authority';
  return checkedString(expected, (s) => (TOKEN_RE.test(s) || [':method', ':path', ':authority'].includes(s.toLowerCase()) ? true : expectation(expected, s)));
}

/** A header name a route may add to or remove from requests: not `host`, which host_rewrite_literal changes. */
export function requestHeaderName() {
  const expected = 'expected an HTTP header name other than host (letters, digits and !#$%&\'*+-.^_`|~; host_rewrite_literal changes the host)';
  return checkedString(expected, (s) => (TOKEN_RE.test(s) && s.toLowerCase() !== 'host' ? true : expectation(expected, s)));
}

/** A Host header value the proxy sends itself (health checks, host rewrites, redirects): no spaces or control characters. */
export function hostHeader() {
  const expected = 'expected a Host header value (no spaces or control characters)';
  return checkedString(expected, (s) => (s !== '' && !/[\s\x00-\x1f\x7f]/.test(s) ? true : expectation(expected, s)));
}

/** An HTTP header value: no CR, LF or NUL (they would split or corrupt the head). */
export function headerValue() {
  const expected = 'expected a header value without line breaks';
  return checkedString(expected, (s) => (/[\r\n\0]/.test(s) ? expectation(expected, s) : true));
}

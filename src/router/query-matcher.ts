/** Route query-parameter matchers: first occurrence of the name, compared as sent (not percent-decoded), as Envoy's route matching. */
import { RouterConfigError } from './errors.ts';
import { compileSafeRegex } from './safe-regex.ts';
import type { QueryParameterMatcher } from './types.ts';

const PRESENT = 0;
const EXACT = 1;
const PREFIX = 2;
const REGEX = 3;

/** A query-parameter matcher ready for the hot path. */
export interface CompiledQueryMatcher {
  readonly name: string;
  readonly kind: number;
  readonly value: string;
  readonly regex: RegExp | null;
  readonly ignoreCase: boolean;
  readonly present: boolean;
}

/** Compile one matcher; throws `RouterConfigError` naming `where`. */
export function compileQueryMatcher(m: QueryParameterMatcher, where: string): CompiledQueryMatcher {
  if (!m.name) throw new RouterConfigError(where, 'query parameter matcher without a name');
  const given: Array<[number, string | undefined]> = [
    [EXACT, m.exact],
    [PREFIX, m.prefix],
    [REGEX, m.safeRegex],
  ];
  const set = given.filter(([, v]) => v !== undefined);
  if (set.length + (m.present !== undefined ? 1 : 0) > 1) {
    throw new RouterConfigError(
      where,
      `query parameter matcher '${m.name}': give at most one of exact, prefix, safe_regex, present`,
    );
  }
  const ignoreCase = m.ignoreCase === true;
  const [kind, raw] = set[0] ?? [PRESENT, ''];
  const value = raw ?? '';
  return {
    name: m.name,
    kind,
    value: ignoreCase ? value.toLowerCase() : value,
    regex: kind === REGEX ? compileSafeRegex(value, where, `query parameter matcher '${m.name}' safe_regex`) : null,
    ignoreCase,
    present: m.present ?? true,
  };
}

/**
 * The value of the first parameter called `name` in `path` (query starting after `queryStart`,
 * the index of '?'), as sent: Envoy's route matching parses the query without decoding it, so
 * `a%2Fb` matches `a%2Fb` and not `a/b`. '' for a bare `?name`, null when absent.
 */
export function findQueryParam(path: string, queryStart: number, name: string): string | null {
  if (queryStart >= path.length || path.charCodeAt(queryStart) !== 0x3f /* ? */) return null;
  let end = path.indexOf('#', queryStart);
  if (end === -1) end = path.length;
  let s = queryStart + 1;
  while (s <= end) {
    let e = path.indexOf('&', s);
    if (e === -1 || e > end) e = end;
    if (e > s) {
      let eq = path.indexOf('=', s);
      if (eq === -1 || eq > e) eq = e;
      if (eq - s === name.length && path.startsWith(name, s)) return eq < e ? path.slice(eq + 1, e) : '';
    }
    s = e + 1;
  }
  return null;
}

/** Whether the request's query satisfies `m`. */
export function queryMatches(m: CompiledQueryMatcher, path: string, queryStart: number): boolean {
  let v = findQueryParam(path, queryStart, m.name);
  if (v === null) return m.kind === PRESENT && !m.present;
  if (m.ignoreCase) v = v.toLowerCase();
  switch (m.kind) {
    case EXACT:
      return v === m.value;
    case PREFIX:
      return v.startsWith(m.value);
    case REGEX:
      return m.regex!.test(v);
    default:
      return m.present;
  }
}

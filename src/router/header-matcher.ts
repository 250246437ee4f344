/** Route header matchers, compiled once, evaluated against a flat header list per request. */
import { RouterConfigError } from './errors.ts';
import { getJoinedHeader } from './header-list.ts';
import { compileSafeRegex } from './safe-regex.ts';
import type { HeaderMatcher } from './types.ts';

// How a matcher tests the value; numeric so the hot path switches on a small integer.
const PRESENT = 0;
const EXACT = 1;
const PREFIX = 2;
const SUFFIX = 3;
const CONTAINS = 4;
const REGEX = 5;

// Which request part a pseudo-header name reads instead of the header list.
const HEADER = 0;
const METHOD = 1;
const AUTHORITY = 2;
const PATH = 3;

/** A header matcher ready for the hot path. */
export interface CompiledHeaderMatcher {
  readonly lowerName: string;
  readonly source: number;
  readonly kind: number;
  /** Lower-cased when `ignoreCase`. */
  readonly value: string;
  readonly regex: RegExp | null;
  readonly ignoreCase: boolean;
  readonly present: boolean;
  readonly invert: boolean;
}

function sourceOf(lowerName: string, where: string): number {
  if (lowerName[0] !== ':') return lowerName === 'host' ? AUTHORITY : HEADER;
  switch (lowerName) {
    case ':method':
      return METHOD;
    case ':authority':
      return AUTHORITY;
    case ':path':
      return PATH;
    default:
      throw new RouterConfigError(where, `header matcher: unknown pseudo-header '${lowerName}'`);
  }
}

/** Compile one matcher; throws `RouterConfigError` naming `where`. */
export function compileHeaderMatcher(m: HeaderMatcher, where: string): CompiledHeaderMatcher {
  if (!m.name) throw new RouterConfigError(where, 'header matcher without a name');
  const lowerName = m.name.toLowerCase();
  const given: Array<[number, string | undefined]> = [
    [EXACT, m.exact],
    [PREFIX, m.prefix],
    [SUFFIX, m.suffix],
    [CONTAINS, m.contains],
    [REGEX, m.safeRegex],
  ];
  const set = given.filter(([, v]) => v !== undefined);
  if (set.length + (m.present !== undefined ? 1 : 0) > 1) {
    throw new RouterConfigError(
      where,
      `header matcher '${m.name}': give at most one of exact, prefix, suffix, contains, safe_regex, present`,
    );
  }
  const ignoreCase = m.ignoreCase === true;
  const [kind, raw] = set[0] ?? [PRESENT, ''];
  const value = raw ?? '';
  return {
    lowerName,
    source: sourceOf(lowerName, where),
    kind,
    value: ignoreCase ? value.toLowerCase() : value,
    regex: kind === REGEX ? compileSafeRegex(value, where, `header matcher '${m.name}' safe_regex`) : null,
    ignoreCase,
    present: m.present ?? true,
    invert: m.invert === true,
  };
}

/** Whether the request satisfies `m`. */
export function headerMatches(
  m: CompiledHeaderMatcher,
  method: string,
  authority: string,
  path: string,
  headers: readonly string[],
): boolean {
  let v: string | null;
  switch (m.source) {
    case METHOD:
      v = method;
      break;
    case AUTHORITY:
      v = authority === '' ? null : authority;
      break;
    case PATH:
      v = path;
      break;
    default:
      v = getJoinedHeader(headers, m.lowerName);
  }
  if (v === null) return m.kind === PRESENT && m.present === m.invert;
  if (m.ignoreCase) v = v.toLowerCase();
  let match: boolean;
  switch (m.kind) {
    case EXACT:
      match = v === m.value;
      break;
    case PREFIX:
      match = v.startsWith(m.value);
      break;
    case SUFFIX:
      match = v.endsWith(m.value);
      break;
    case CONTAINS:
      match = v.includes(m.value);
      break;
    case REGEX:
      match = m.regex!.test(v);
      break;
    default:
      match = m.present;
  }
  return match !== m.invert;
}

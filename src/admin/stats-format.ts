/** `/admin/stats` selection and its text and JSON renderings. */
import { InvalidStatsFilterError } from './errors.ts';
import { translateRe2 } from '../router/re2-syntax.ts';
import { regexProblem } from '../router/regex-safety.ts';
import type { Stat } from './types.ts';

/** Longest `?filter=` accepted; an admin query has no business being longer. */
const MAX_FILTER_LENGTH = 1000;

/** Compiles `?filter=` (matched anywhere in the name, as Envoy's RE2 partial match); throws `InvalidStatsFilterError`. */
export function compileFilter(filter: string | undefined): RegExp | undefined {
  if (filter === undefined || filter === '') return undefined;
  if (filter.length > MAX_FILTER_LENGTH) {
    throw new InvalidStatsFilterError(filter.slice(0, 40) + '…', `longer than ${MAX_FILTER_LENGTH} characters`);
  }
  // RE2 syntax, as route regexes (and Envoy's filter). The admin runs on main: a pattern with
  // catastrophic backtracking would stall health checks, reloads and signals with it.
  const t = translateRe2(filter);
  if (!t.ok) throw new InvalidStatsFilterError(filter, t.problem);
  let compiled: RegExp;
  try {
    compiled = new RegExp(t.source, t.flags);
  } catch (err) {
    throw new InvalidStatsFilterError(filter, err);
  }
  const problem = regexProblem(t.source);
  if (problem !== null) throw new InvalidStatsFilterError(filter, problem);
  return compiled;
}

/** The stats whose names match, sorted by name. */
export function selectStats(stats: Stat[], filter: RegExp | undefined): Stat[] {
  const out = filter ? stats.filter((s) => filter.test(s.name)) : [...stats];
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Envoy's text format: one `name: value` line per stat. */
export function statsText(stats: Stat[]): string {
  let out = '';
  for (const s of stats) out += `${s.name}: ${s.value}\n`;
  return out;
}

/** Envoy's JSON format: `{"stats":[{"name":...,"value":...}]}`. */
export function statsJson(stats: Stat[]): { stats: { name: string; value: number }[] } {
  return { stats: stats.map((s) => ({ name: s.name, value: s.value })) };
}

/** `safe_regex` patterns (RE2 syntax) compiled to anchored RegExps, refusing what `regexProblem` refuses (config validation asks first). */
import { RouterConfigError } from './errors.ts';
import { regexProblem } from './regex-safety.ts';
import { translateRe2 } from './re2-syntax.ts';

/** Why `pattern` cannot be a route regex, or null: the one check validation and the router share. */
export function routeRegexProblem(pattern: string): string | null {
  const t = translateRe2(pattern);
  if (!t.ok) return t.problem;
  const problem = regexProblem(t.source);
  if (problem !== null) return problem;
  try {
    new RegExp(t.source, t.flags);
  } catch (cause) {
    return `not a valid regex: ${cause instanceof Error ? cause.message : String(cause)}`;
  }
  return null;
}

/** Compile `pattern` to match a whole string; throws `RouterConfigError` naming `where`. */
export function compileSafeRegex(pattern: string, where: string, field: string): RegExp {
  const problem = routeRegexProblem(pattern);
  if (problem !== null) throw new RouterConfigError(where, `${field} '${pattern}': ${problem}`);
  const t = translateRe2(pattern);
  if (!t.ok) throw new RouterConfigError(where, `${field} '${pattern}': ${t.problem}`);
  // Checked alone above: an unbalanced ')' cannot escape the anchoring group.
  return new RegExp(`^(?:${t.source})$`, t.flags);
}

/** `safe_regex` patterns compiled to anchored RegExps, refusing what `regexProblem` refuses (config validation asks first). */
import { RouterConfigError } from './errors.ts';
import { regexProblem } from './regex-safety.ts';

/** Compile `pattern` to match a whole string; throws `RouterConfigError` naming `where`. */
export function compileSafeRegex(pattern: string, where: string, field: string): RegExp {
  const problem = regexProblem(pattern);
  if (problem !== null) throw new RouterConfigError(where, `${field} '${pattern}': ${problem}`);
  try {
    // Compiled alone first: an unbalanced ')' must not escape the anchoring group below.
    new RegExp(pattern);
    return new RegExp(`^(?:${pattern})$`);
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    throw new RouterConfigError(where, `${field} '${pattern}' is not a valid regex: ${detail}`, { cause });
  }
}

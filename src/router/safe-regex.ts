/** `safe_regex` patterns compiled to anchored RegExps, rejecting what RE2 (Envoy's engine) refuses. */
import { RouterConfigError } from './errors.ts';

// RE2 guarantees linear time; it has no backreferences or lookaround. Refusing them keeps configs
// portable to Envoy and removes the worst catastrophic-backtracking patterns.
function unsupported(pattern: string): string | null {
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const n = pattern[i + 1];
      if (n !== undefined && ((n >= '1' && n <= '9') || n === 'k')) {
        return 'backreferences are not supported (RE2 syntax)';
      }
      i++;
    } else if (c === '(' && pattern[i + 1] === '?') {
      const a = pattern[i + 2];
      const b = pattern[i + 3];
      if (a === '=' || a === '!' || (a === '<' && (b === '=' || b === '!'))) {
        return 'lookaround ((?=, (?!, (?<=, (?<!) is not supported (RE2 syntax)';
      }
    }
  }
  return null;
}

/** Compile `pattern` to match a whole string; throws `RouterConfigError` naming `where`. */
export function compileSafeRegex(pattern: string, where: string, field: string): RegExp {
  const problem = unsupported(pattern);
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

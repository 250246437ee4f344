/**
 * What a route regex may use: the part of RE2's syntax that a backtracking engine (every
 * runtime's RegExp) still runs in polynomial time. Pure, so config validation and the router
 * give the same answer.
 */

/**
 * Why `pattern` is refused, or null. RE2 (Envoy's engine) guarantees linear time and has no
 * backreferences or lookaround. A backtracking engine can take exponential time on a repeated
 * group that can match the same text in more than one way: `(a+)+`, `(a|aa)*`, `(\w+\s?)+`. Such
 * groups are refused outright (a group repeated more than once that holds a repeat or an
 * alternation), so one request cannot stall a worker. Sequences of repeats (`.*a.*b`) stay
 * allowed: their cost is polynomial and bounded by the request line and header limits.
 */
export function regexProblem(pattern: string): string | null {
  // One frame per open group: does it (or a group inside it) hold a repeat or an alternation?
  const frames: { repeats: boolean; alternates: boolean; start: number }[] = [{ repeats: false, alternates: false, start: 0 }];
  // The last atom a quantifier would apply to: a group (with what it holds) or a single char.
  let lastGroup: { repeats: boolean; alternates: boolean; start: number } | null = null;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    const top = frames[frames.length - 1]!;
    if (c === '\\') {
      const n = pattern[i + 1];
      if (n !== undefined && ((n >= '1' && n <= '9') || n === 'k')) return 'backreferences are not supported (RE2 syntax)';
      i++;
      lastGroup = null;
    } else if (c === '[') {
      i = classEnd(pattern, i);
      lastGroup = null;
    } else if (c === '(') {
      if (pattern[i + 1] === '?') {
        const a = pattern[i + 2];
        const b = pattern[i + 3];
        if (a === '=' || a === '!' || (a === '<' && (b === '=' || b === '!'))) {
          return 'lookaround ((?=, (?!, (?<=, (?<!) is not supported (RE2 syntax)';
        }
      }
      frames.push({ repeats: false, alternates: false, start: i });
      lastGroup = null;
    } else if (c === ')') {
      if (frames.length === 1) return null; // unbalanced: the RegExp compile reports it
      const done = frames.pop()!;
      const parent = frames[frames.length - 1]!;
      parent.repeats ||= done.repeats;
      parent.alternates ||= done.alternates;
      lastGroup = done;
    } else if (c === '|') {
      top.alternates = true;
      lastGroup = null;
    } else {
      const q = quantifier(pattern, i);
      if (q === null) {
        lastGroup = null;
        continue;
      }
      if (q.repeats) {
        if (lastGroup !== null && (lastGroup.repeats || lastGroup.alternates)) {
          const group = pattern.slice(lastGroup.start, q.end);
          return (
            `the repeated group ${group} holds a repeat or an alternation, which can take exponential time ` +
            'in a backtracking regex engine (RE2 would not); write it without nesting, e.g. with a character class'
          );
        }
        top.repeats = true;
      }
      i = q.end - 1;
      lastGroup = null;
    }
  }
  return null;
}

/** Index of the `]` closing the class opened at `open` (or the end). */
function classEnd(pattern: string, open: number): number {
  let i = open + 1;
  if (pattern[i] === '^') i++;
  if (pattern[i] === ']') i++; // a literal `]` first in the class (not JavaScript's meaning, harmless here)
  for (; i < pattern.length; i++) {
    if (pattern[i] === '\\') i++;
    else if (pattern[i] === ']') return i;
  }
  return pattern.length;
}

/** The quantifier starting at `i` (with its lazy `?`): whether it can repeat more than once, and where it ends. */
function quantifier(pattern: string, i: number): { repeats: boolean; end: number } | null {
  const c = pattern[i];
  let end: number;
  let repeats: boolean;
  if (c === '*' || c === '+') {
    end = i + 1;
    repeats = true;
  } else if (c === '?') {
    end = i + 1;
    repeats = false;
  } else if (c === '{') {
    const m = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(i));
    if (m === null) return null; // a literal `{`
    end = i + m[0].length;
    const min = Number(m[1]);
    const max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    repeats = max > 1;
  } else {
    return null;
  }
  if (pattern[end] === '?') end++;
  return { repeats, end };
}

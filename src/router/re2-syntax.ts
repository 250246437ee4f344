/**
 * RE2 syntax (Envoy's regex engine) that the runtimes' RegExp spells differently, rewritten into
 * RegExp syntax; what RegExp cannot express the same way is refused rather than silently read
 * as something else (`[[:digit:]]` would be a character class of `[:dgit`, `\z` a literal z).
 */

export type Re2Translation = { readonly ok: true; readonly source: string; readonly flags: string } | { readonly ok: false; readonly problem: string };

/** RE2's ASCII classes, as RegExp class ranges. */
const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
};

const LITERAL_SPECIALS = /[.*+?^${}()|[\]\\/-]/g;

function refuse(problem: string): Re2Translation {
  return { ok: false, problem: `${problem} (RE2 syntax)` };
}

export function translateRe2(pattern: string): Re2Translation {
  let flags = '';
  let i = 0;
  // Flags apply to the whole pattern only when they lead it: (?i) or (?s).
  const lead = /^\(\?([a-zA-Z]+)\)/.exec(pattern);
  if (lead) {
    for (const f of lead[1]!) {
      if (f === 'i' || f === 's') {
        if (!flags.includes(f)) flags += f;
      } else return refuse(`the flag (?${f}) is not supported`);
    }
    i = lead[0].length;
  }
  let out = '';
  let inClass = false;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === '\\') {
      const n = pattern[i + 1];
      if (n === undefined) return refuse('a pattern cannot end with a lone backslash');
      if (n === 'p' || n === 'P') return refuse('Unicode classes (\\p, \\P) are not supported');
      if (n === 'C') return refuse('\\C is not supported');
      if (!inClass && n === 'Q') {
        const end = pattern.indexOf('\\E', i + 2);
        const literal = end < 0 ? pattern.slice(i + 2) : pattern.slice(i + 2, end);
        out += literal.replace(LITERAL_SPECIALS, '\\$&');
        i = end < 0 ? pattern.length : end + 2;
        continue;
      }
      if (!inClass && n === 'z') out += '$';
      else if (!inClass && n === 'A') out += '^';
      else out += c + n;
      i += 2;
      continue;
    }
    if (inClass) {
      if (c === '[' && pattern[i + 1] === ':') {
        const end = pattern.indexOf(':]', i + 2);
        if (end > 0) {
          const name = pattern.slice(i + 2, end);
          const ranges = POSIX_CLASSES[name];
          if (ranges === undefined) return refuse(`[:${name}:] is not a character class`);
          out += ranges;
          i = end + 2;
          continue;
        }
      }
      if (c === ']') inClass = false;
      out += c;
      i++;
      continue;
    }
    if (c === '[') {
      inClass = true;
      out += c;
      i++;
      if (pattern[i] === '^') {
        out += '^';
        i++;
      }
      // A ']' first in a class is a literal in RE2 (an empty class in RegExp).
      if (pattern[i] === ']') {
        out += '\\]';
        i++;
      }
      continue;
    }
    if (c === '(' && pattern.startsWith('(?P<', i)) {
      out += '(?<';
      i += 4;
      continue;
    }
    if (c === '(' && pattern[i + 1] === '?') {
      const inline = /^\(\?([a-zA-Z-]+)[:)]/.exec(pattern.slice(i));
      if (inline) return refuse(`inline flags (?${inline[1]}) are supported only as (?i) or (?s) at the start`);
    }
    out += c;
    i++;
  }
  return { ok: true, source: out, flags };
}

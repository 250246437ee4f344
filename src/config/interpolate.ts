/** `${ENV_VAR}` substitution in YAML string values, before the schema sees them. */

import { isMap, isScalar, isSeq } from 'yaml';
import type { Document } from 'yaml';
import type { PathIssue, PathSegment } from './path.ts';

/** Looks up an environment variable (the runtime adapter's `env`); undefined when unset. */
export type EnvLookup = (name: string) => string | undefined;

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const INT_RE = /^[-+]?\d+$/;
const FLOAT_RE = /^[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?$/;

/**
 * Substitute `${NAME}` (error when unset) and `${NAME:-fallback}` (fallback when unset or
 * empty); `$${` is a literal `${`. Returns the new text or an error message.
 */
export function interpolateString(text: string, env: EnvLookup): { ok: true; text: string; substituted: boolean } | { ok: false; message: string } {
  if (!text.includes('${')) return { ok: true, text, substituted: false };
  let out = '';
  let substituted = false;
  let i = 0;
  while (i < text.length) {
    const start = text.indexOf('${', i);
    if (start === -1) {
      out += text.slice(i);
      break;
    }
    if (start > 0 && text[start - 1] === '$') {
      // `$${` → literal `${`: drop one dollar, keep the rest verbatim.
      out += `${text.slice(i, start - 1)}\${`;
      i = start + 2;
      continue;
    }
    out += text.slice(i, start);
    const end = text.indexOf('}', start + 2);
    if (end === -1) return { ok: false, message: `unterminated "\${" in ${JSON.stringify(text)} (write $\${ for a literal \${)` };
    const body = text.slice(start + 2, end);
    const separator = body.indexOf(':-');
    const name = separator === -1 ? body : body.slice(0, separator);
    if (!NAME_RE.test(name)) {
      return { ok: false, message: `"\${${body}}" is not a valid environment variable reference (expected \${NAME} or \${NAME:-default})` };
    }
    const value = env(name);
    if (separator !== -1) {
      out += value === undefined || value === '' ? body.slice(separator + 2) : value;
    } else if (value === undefined) {
      return { ok: false, message: `environment variable ${name} is not set (use \${${name}:-default} for a fallback)` };
    } else {
      out += value;
    }
    substituted = true;
    i = end + 1;
  }
  return { ok: true, text: out, substituted };
}

// `port: ${PORT}` should be a number, as if the value had been typed into the file: an
// unquoted scalar is typed again after substitution; a quoted one stays a string.
function retype(text: string): string | number | boolean {
  if (text === 'true') return true;
  if (text === 'false') return false;
  if (INT_RE.test(text)) return Number(text);
  if (FLOAT_RE.test(text) && text !== '.') return Number(text);
  return text;
}

/** Substitute in every string value of `doc` in place; problems come back with their field path. */
export function interpolateDocument(doc: Document, env: EnvLookup): PathIssue[] {
  const issues: PathIssue[] = [];
  const walk = (node: unknown, path: PathSegment[]): void => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : '?';
        walk(pair.value, [...path, key]);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, index) => walk(item, [...path, index]));
    } else if (isScalar(node) && typeof node.value === 'string') {
      const result = interpolateString(node.value, env);
      if (!result.ok) {
        issues.push({ path, message: result.message });
      } else if (result.text !== node.value) {
        node.value = result.substituted && node.type === 'PLAIN' ? retype(result.text) : result.text;
      }
    }
  };
  walk(doc.contents, []);
  return issues;
}

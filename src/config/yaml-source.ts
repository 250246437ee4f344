/** The YAML layer: syntax errors with line and column, and where in the file a field path is. */

import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import type { ConfigIssue } from './errors.ts';
import { formatPath, type PathSegment } from './path.ts';

/** A parsed YAML document that can point back into its text. */
export interface YamlSource {
  doc: Document;
  /** 1-based line and column of the value at `path`, or of its nearest ancestor present in the file. */
  positionOf(path: readonly PathSegment[], atKey?: boolean): { line: number; column: number } | undefined;
  /** The first alias (`*name`) with no anchor (`&name`) before it: where it is and its name. */
  unresolvedAlias(): { path: PathSegment[]; name: string; line: number; column: number } | undefined;
}

const MAX_EXCERPT = 120;

function excerpt(text: string, line: number, column: number): string {
  const lineText = (text.split(/\r?\n/)[line - 1] ?? '').slice(0, MAX_EXCERPT);
  if (lineText.trim() === '') return '';
  const caret = `${' '.repeat(Math.max(0, Math.min(column - 1, lineText.length)))}^`;
  return `\n    ${lineText}\n    ${caret}`;
}

/** Parse YAML text; syntax errors come back as issues, each with line, column and the offending line. */
export function parseYaml(text: string): { source: YamlSource } | { issues: ConfigIssue[] } {
  const lineCounter = new LineCounter();
  // merge: `<<: *defaults` is the usual way to share settings between clusters.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  if (doc.errors.length > 0) return { issues: syntaxIssues(doc, text, lineCounter) };
  const positionOf = (path: readonly PathSegment[], atKey = false): { line: number; column: number } | undefined => {
    for (let length = path.length; length >= 0; length--) {
      const node = nodeAt(doc, path.slice(0, length), atKey && length === path.length);
      const range = node?.range;
      if (range) {
        const { line, col } = lineCounter.linePos(range[0]);
        return { line, column: col };
      }
    }
    return undefined;
  };
  const unresolvedAlias = (): { path: PathSegment[]; name: string; line: number; column: number } | undefined => {
    let found: { path: PathSegment[]; name: string; line: number; column: number } | undefined;
    walk(doc.contents, [], (node, path) => {
      if (found || !isAlias(node) || node.resolve(doc) !== undefined) return;
      const { line, col } = lineCounter.linePos(node.range?.[0] ?? 0);
      found = { path, name: node.source, line, column: col };
    });
    return found;
  };
  return { source: { doc, positionOf, unresolvedAlias } };
}

/**
 * Each duplicate key is its own mistake and is reported; of the other errors only the first, as
 * the parser's later complaints mostly follow from it (one stray bracket gives four).
 */
function syntaxIssues(doc: Document, text: string, lineCounter: LineCounter): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  let structural = false;
  for (const error of doc.errors) {
    const duplicate = error.code === 'DUPLICATE_KEY';
    if (!duplicate && structural) continue;
    if (!duplicate) structural = true;
    const { line, col } = lineCounter.linePos(error.pos[0]);
    const lineText = text.split(/\r?\n/)[line - 1] ?? '';
    const found = duplicate ? duplicateKeyAt(doc, error.pos[0], lineCounter) : undefined;
    const message = found
      ? `duplicate key ${JSON.stringify(found.key)} (first at line ${found.firstLine}): a key appears once per mapping`
      : syntaxMessage(error.code, error.message, lineText);
    issues.push({ path: found ? formatPath(found.path) : '', message: `YAML syntax error: ${message}${excerpt(text, line, col)}`, line, column: col });
  }
  return issues;
}

/** The yaml package's message, in the config's terms where it speaks of its own API, with a hint for the usual causes. */
function syntaxMessage(code: string, raw: string, lineText: string): string {
  // The package appends its own " at line L, column C:" and an excerpt; we add ours.
  const message = raw.replace(/ at line \d+, column \d+:?[\s\S]*$/, '');
  if (code === 'MULTIPLE_DOCS') return 'a second YAML document starts here: the config is one document (no "---" after the first content)';
  if (code === 'TAB_AS_INDENT') return `${message} (indent with spaces)`;
  if (/[[{]/.test(lineText) && lineText.includes('${')) {
    return `${message} (inside [ ] or { }, quote a value holding \${...}: "\${NAME}")`;
  }
  if (code === 'BLOCK_AS_IMPLICIT_KEY' || /:\s|:$/.test(lineText.replace(/^[^:]*:\s*/, ''))) {
    return `${message} (a value holding ": " or ending with ":" must be quoted)`;
  }
  return message;
}

/** The duplicated key at `offset`, where it was first given, and the path of its mapping. */
function duplicateKeyAt(doc: Document, offset: number, lineCounter: LineCounter): { key: string; firstLine: number; path: PathSegment[] } | undefined {
  const search = (node: unknown, path: PathSegment[]): { key: string; firstLine: number; path: PathSegment[] } | undefined => {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = pair.key;
        if (isScalar(key) && key.range?.[0] === offset) {
          const first = node.items.find((p) => isScalar(p.key) && p.key.value === key.value);
          const firstAt = isScalar(first?.key) ? first.key.range?.[0] : undefined;
          if (firstAt === undefined) return undefined;
          return { key: String(key.value), firstLine: lineCounter.linePos(firstAt).line, path };
        }
        const inner = search(pair.value, isScalar(key) ? [...path, String(key.value)] : path);
        if (inner) return inner;
      }
    } else if (isSeq(node)) {
      for (let i = 0; i < node.items.length; i++) {
        const inner = search(node.items[i], [...path, i]);
        if (inner) return inner;
      }
    }
    return undefined;
  };
  return search(doc.contents, []);
}

/** Every node under `node`, with its path (map values by key, list items by index). */
function walk(node: unknown, path: PathSegment[], visit: (node: unknown, path: PathSegment[]) => void): void {
  visit(node, path);
  if (isMap(node)) {
    for (const pair of node.items) walk(pair.value, isScalar(pair.key) ? [...path, String(pair.key.value)] : path, visit);
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => walk(item, [...path, i], visit));
  }
}

interface Ranged {
  range?: [number, number, number] | null;
}

// Walk the document by path without the yaml package's getIn, which ignores merge keys and
// cannot stop at a key node.
function nodeAt(doc: Document, path: readonly PathSegment[], lastKey = false): Ranged | undefined {
  let node: unknown = doc.contents;
  for (const [i, segment] of path.entries()) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (pair === undefined) return undefined;
      // A key whose value is empty has no value node: point at the key.
      node = lastKey && i === path.length - 1 ? pair.key : (pair.value ?? pair.key);
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
    } else {
      return undefined;
    }
  }
  return node as Ranged | undefined;
}

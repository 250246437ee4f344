/** The YAML layer: syntax errors with line and column, and where in the file a field path is. */

import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import type { ConfigIssue } from './errors.ts';
import type { PathSegment } from './path.ts';

/** A parsed YAML document that can point back into its text. */
export interface YamlSource {
  doc: Document;
  /** 1-based line and column of the value at `path`, or of its nearest ancestor present in the file. */
  positionOf(path: readonly PathSegment[]): { line: number; column: number } | undefined;
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
  if (doc.errors.length > 0) {
    return {
      issues: doc.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        // The yaml package appends its own " at line L, column C:" and an excerpt; we add ours.
        const message = error.message.replace(/ at line \d+, column \d+:?[\s\S]*$/, '');
        return { path: '', message: `YAML syntax error: ${message}${excerpt(text, line, col)}`, line, column: col };
      }),
    };
  }
  const positionOf = (path: readonly PathSegment[]): { line: number; column: number } | undefined => {
    for (let length = path.length; length >= 0; length--) {
      const node = nodeAt(doc, path.slice(0, length));
      const range = node?.range;
      if (range) {
        const { line, col } = lineCounter.linePos(range[0]);
        return { line, column: col };
      }
    }
    return undefined;
  };
  return { source: { doc, positionOf } };
}

interface Ranged {
  range?: [number, number, number] | null;
}

// Walk the document by path without the yaml package's getIn, which ignores merge keys and
// cannot stop at a key node.
function nodeAt(doc: Document, path: readonly PathSegment[]): Ranged | undefined {
  let node: unknown = doc.contents;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(segment));
      if (pair === undefined) return undefined;
      // A key whose value is empty has no value node: point at the key.
      node = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof segment === 'number') {
      node = node.items[segment];
    } else {
      return undefined;
    }
  }
  return node as Ranged | undefined;
}

/** zod issues to our issues: one per problem, each "expected X, found Y" at a field path. */

import type { z } from 'zod';
import { expectation } from './describe.ts';
import { UNKNOWN_KEY_SEPARATOR } from './schema-object.ts';
import type { PathIssue, PathSegment } from './path.ts';

function toSegments(path: readonly PropertyKey[]): PathSegment[] {
  return path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));
}

function samePath(a: readonly PropertyKey[], b: readonly PropertyKey[]): boolean {
  return a.length === b.length && a.every((segment, index) => segment === b[index]);
}

/** Needs issues parsed with `reportInput: true`, so `input` holds the value that was found. */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[]): PathIssue[] {
  const out: PathIssue[] = [];
  const withUnknownKeys = issues.filter((issue) => issue.code === 'unrecognized_keys').map((issue) => issue.path);
  for (const issue of issues) {
    // zod still runs a mapping's checks when it has unknown keys; on a mapping missing the key
    // that was misspelled they only add noise ("expected one of prefix, path…, found none").
    if (issue.code === 'custom' && withUnknownKeys.some((path) => samePath(path, issue.path))) continue;
    const path = toSegments(issue.path);
    if (issue.code === 'unrecognized_keys') {
      const messages = issue.message.split(UNKNOWN_KEY_SEPARATOR);
      issue.keys.forEach((key, index) => {
        out.push({ path: [...path, key], message: messages[index] ?? 'unknown field', atKey: true });
      });
    } else if (issue.code === 'custom') {
      out.push({ path, message: issue.message });
    } else if (issue.message.startsWith('expected')) {
      out.push({ path, message: expectation(issue.message, issue.input) });
    } else {
      // A zod default message: no schema here should produce one, but never lose an issue.
      out.push({ path, message: issue.message });
    }
  }
  return out;
}

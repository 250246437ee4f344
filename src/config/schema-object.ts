/** Strict mappings: an unknown key is an error naming the key, with a "did you mean". */

import { z } from 'zod';
import { didYouMeanSuffix } from './did-you-mean.ts';

/**
 * zod reports all unknown keys of a mapping as one issue at the mapping's path; its message
 * (built here, where the allowed keys are known) holds one message per key, in key order,
 * separated by this character, and the issue formatter splits it into one issue per key.
 */
export const UNKNOWN_KEY_SEPARATOR = '\u0000';

function unknownKeyMessage(key: string, allowed: readonly string[]): string {
  const suggestion = didYouMeanSuffix(key, allowed);
  if (suggestion !== '') return `unknown field${suggestion}`;
  return `unknown field (expected one of: ${allowed.join(', ')})`;
}

/** A mapping with exactly these keys (each optional or not per its schema). */
export function strict<Shape extends z.core.$ZodLooseShape>(shape: Shape) {
  const allowed = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => {
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => unknownKeyMessage(key, allowed)).join(UNKNOWN_KEY_SEPARATOR);
      }
      if (issue.code === 'invalid_type') return 'expected a mapping';
      return undefined;
    },
  });
}

/** Keys of `value` that are set (not undefined), among `keys`. */
export function presentKeys<K extends string>(value: { [P in K]?: unknown }, keys: readonly K[]): K[] {
  return keys.filter((key) => value[key] !== undefined);
}

/** Field paths as users write them: `clusters[1].endpoints[0].port`. */

/** One step into a config value: a mapping key or a list index. */
export type PathSegment = string | number;

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export function formatPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out;
}

/** A problem found at a path, before it is given its file position. */
export interface PathIssue {
  path: PathSegment[];
  message: string;
  /** Point at the last key itself rather than its value (an unknown field is the key's fault). */
  atKey?: boolean;
}

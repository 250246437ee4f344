/** prefix_rewrite: swap the matched part of a path for the configured replacement. */

/** Index where the path ends: the first '?' or '#', else the length. */
export function pathEnd(path: string): number {
  for (let i = 0; i < path.length; i++) {
    const c = path.charCodeAt(i);
    if (c === 0x3f /* ? */ || c === 0x23 /* # */) return i;
  }
  return path.length;
}

/**
 * `path` with its first `matchedLength` characters replaced by `replacement`; the rest (and the
 * query) stays. Unlike Envoy, the join never yields `//` (prefix `/api` rewritten to `/` sends
 * `/api/users` to `/users`, not `//users`), and the result always starts with '/'.
 */
export function replacePrefix(path: string, matchedLength: number, replacement: string): string {
  let rest = path.slice(matchedLength);
  if (replacement.endsWith('/') && rest.startsWith('/')) rest = rest.slice(1);
  const out = replacement + rest;
  return out.startsWith('/') ? out : `/${out}`;
}

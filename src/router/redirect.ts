/** Builds the Location of a redirect route from the request's scheme, authority and path. */
import { portStart } from './host.ts';
import { replacePrefix } from './path-rewrite.ts';
import type { RedirectAction } from './types.ts';

function withoutPort(host: string): string {
  const p = portStart(host);
  return p === -1 ? host : host.slice(0, p);
}

function isDefaultPort(host: string): boolean {
  const p = portStart(host);
  if (p === -1) return false;
  const port = host.slice(p + 1);
  return port === '80' || port === '443';
}

/**
 * The Location for `a`. `matchedLength` is how much of `path` the route matched (for
 * prefixRewrite); `queryAt` is where the path's query ('?') or end is.
 */
export function redirectLocation(
  a: RedirectAction,
  scheme: string,
  authority: string,
  path: string,
  matchedLength: number,
  queryAt: number,
): string {
  const newScheme = a.schemeRedirect ?? scheme;
  let host = a.hostRedirect ?? authority;
  if (a.portRedirect !== undefined) {
    host = `${withoutPort(host)}:${a.portRedirect}`;
  } else if (newScheme !== scheme && isDefaultPort(host)) {
    // http://h:80 → https://h, not https://h:80.
    host = withoutPort(host);
  }
  const query = a.stripQuery === true ? '' : path.slice(queryAt);
  let target: string;
  if (a.pathRedirect !== undefined) {
    target = a.pathRedirect.includes('?') ? a.pathRedirect : a.pathRedirect + query;
  } else if (a.prefixRewrite !== undefined) {
    const rewritten = replacePrefix(path.slice(0, queryAt), matchedLength, a.prefixRewrite);
    target = rewritten + query;
  } else {
    target = path.slice(0, queryAt) + query;
  }
  return `${newScheme}://${host}${target}`;
}

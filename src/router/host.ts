/** Host header helpers: where the port starts, and the normalized form used to pick a virtual host. */
import { hasUpperAscii } from './ascii.ts';

/** Index of the ':' before a port in `host`, or -1 (IPv6 literals are bracketed). */
export function portStart(host: string): number {
  const colon = host.lastIndexOf(':');
  if (colon === -1) return -1;
  const bracket = host.lastIndexOf(']');
  return bracket === -1 || bracket < colon ? colon : -1;
}

/**
 * Lower-case, and drop a trailing dot (also one just before the port): Envoy's
 * strip_trailing_host_dot, always on here and applied to the configured domains too, so
 * `example.com.` and `example.com` are one name.
 */
export function normalizeHost(host: string): string {
  let h = hasUpperAscii(host) ? host.toLowerCase() : host;
  const dot = h.lastIndexOf('.');
  if (dot !== -1) {
    if (dot === h.length - 1) h = h.slice(0, dot);
    else if (h.charCodeAt(dot + 1) === 0x3a /* : */) h = h.slice(0, dot) + h.slice(dot + 1);
  }
  return h;
}

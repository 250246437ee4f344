/** The header list sent upstream: the client's fields, route edits, and the proxy's own fields. */
import type { RequestHead } from '../http1/head.ts';
import { nominatedFields } from '../http1/hop-by-hop.ts';
import type { RouteEntry } from '../router/route-entry.ts';
import type { ClusterAction } from '../router/types.ts';
import { applyHeaderMutations } from '../router/header-mutation.ts';
import type { ListenerContext } from './listener-context.ts';

/**
 * Fields the proxy sets itself are removed from the client's list first so each appears once.
 * Hop-by-hop fields (R17) are left for the serializer, which strips them, except the fields the
 * client's Connection nominates: those go here, with Connection itself, before the proxy's own
 * fields and the route's additions join the list, so no nomination can remove those (R17).
 */
export function buildUpstreamHeaders(
  head: RequestHead,
  route: RouteEntry,
  action: ClusterAction,
  remoteAddress: string,
  ctx: ListenerContext,
): { headers: string[]; requestId: string } {
  const src = head.headers;
  const out: string[] = [];
  let xff: string | null = null;
  let requestId: string | null = null;
  let hostSeen = false;
  const host = action.hostRewriteLiteral ?? head.host;
  const nominated = nominatedFields(src);
  for (let i = 0; i < src.length; i += 2) {
    const name = src[i]!;
    const value = src[i + 1]!;
    if (nominated !== null && nominated.includes(name.toLowerCase())) continue;
    switch (name.length) {
      case 4:
        if (name.toLowerCase() === 'host') {
          // R11: absolute-form authority (or the rewrite) replaces the Host line.
          if (!hostSeen && host !== null) out.push(name, host);
          hostSeen = true;
          continue;
        }
        break;
      case 6:
        if (name.toLowerCase() === 'expect') continue; // R15: answered by the proxy
        break;
      case 10:
        // Applied above; the serializer writes our own Connection (R17).
        if (name.toLowerCase() === 'connection') continue;
        break;
      case 12:
        if (name.toLowerCase() === 'x-request-id') {
          if (requestId === null) requestId = value;
          continue;
        }
        break;
      case 15:
        if (name.toLowerCase() === 'x-forwarded-for') {
          xff = xff === null ? value : `${xff}, ${value}`;
          continue;
        }
        break;
      case 17:
        if (name.toLowerCase() === 'x-forwarded-proto') continue;
        break;
    }
    out.push(name, value);
  }
  requestId = pushProxyFields(out, head, hostSeen ? null : host, xff, requestId, remoteAddress, ctx);
  if (route.requestHeaderMutations.length > 0) applyHeaderMutations(out, route.requestHeaderMutations);
  return { headers: out, requestId };
}

/** Received fields replaced by the proxy's own (`Expect` and hop-by-hop ones the writer drops itself). */
export const REPLACED_REQUEST_FIELDS: readonly string[] = ['x-request-id', 'x-forwarded-for', 'x-forwarded-proto'];

/**
 * The fast path of `buildUpstreamHeaders` when the route edits no headers: the received fields are
 * copied by the writer (less `REPLACED_REQUEST_FIELDS`, Host replaced by `host`), and the fields
 * the proxy adds are pushed to `added`. Returns the request id.
 */
export function forwardedFields(
  head: RequestHead,
  host: string | null,
  remoteAddress: string,
  ctx: ListenerContext,
  added: string[],
): string {
  const fields = head.fields;
  let xff: string | null = null;
  let requestId: string | null = null;
  let hostSeen = false;
  for (let i = 0; i < fields.count; i++) {
    const n = fields.nameEnd(i) - fields.nameStart(i);
    if (n === 4) {
      if (fields.nameIs(i, 'host')) hostSeen = true;
    } else if (n === 12) {
      if (requestId === null && fields.nameIs(i, 'x-request-id')) requestId = fields.value(i);
    } else if (n === 15 && fields.nameIs(i, 'x-forwarded-for')) {
      const v = fields.value(i);
      xff = xff === null ? v : `${xff}, ${v}`;
    }
  }
  return pushProxyFields(added, head, hostSeen ? null : host, xff, requestId, remoteAddress, ctx);
}

/**
 * The fields the proxy sets on every forwarded request, pushed to `out`: Host when none was
 * received (`missingHost`), X-Forwarded-For with the client appended, X-Forwarded-Proto, the
 * received or a new X-Request-Id, and Via. Returns the request id.
 */
function pushProxyFields(
  out: string[],
  head: RequestHead,
  missingHost: string | null,
  xff: string | null,
  requestId: string | null,
  remoteAddress: string,
  ctx: ListenerContext,
): string {
  if (missingHost !== null) out.push('host', missingHost);
  out.push('x-forwarded-for', xff === null ? remoteAddress : `${xff}, ${remoteAddress}`);
  out.push('x-forwarded-proto', 'http');
  const id = requestId === null || requestId === '' ? ctx.newRequestId() : requestId;
  out.push('x-request-id', id);
  if (ctx.via) out.push('via', `1.${head.versionMinor} ${ctx.via}`);
  return id;
}

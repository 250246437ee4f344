/** Route actions checked and precompiled (direct-response bodies become bytes once). */
import { RouterConfigError } from './errors.ts';
import type { ClusterAction, RedirectAction, RouteAction } from './types.ts';

/** A direct_response ready to send: the body is encoded once per config generation. */
export interface CompiledDirectResponse {
  readonly kind: 'direct_response';
  readonly status: number;
  readonly body: Uint8Array;
  /** `text/plain` when there is a body (as Envoy), else null. */
  readonly contentType: string | null;
}

/** What a matched route does, ready for the request path. */
export type CompiledRouteAction = Readonly<ClusterAction> | CompiledDirectResponse | Readonly<RedirectAction>;

const REDIRECT_CODES = new Set([301, 302, 303, 307, 308]);
const SCHEME = /^[a-z][a-z0-9+.-]*$/;
const BAD_CHARS = /[\s\0]/;
const encoder = new TextEncoder();

function checkNoBadChars(value: string, field: string, where: string): void {
  if (BAD_CHARS.test(value)) throw new RouterConfigError(where, `${field} '${value}' contains whitespace or NUL`);
}

function checkDuration(ms: number, field: string, where: string): void {
  if (!Number.isFinite(ms) || ms < 0) throw new RouterConfigError(where, `${field} must be a duration >= 0, got ${ms}`);
}

function compileCluster(a: ClusterAction, where: string): Readonly<ClusterAction> {
  if (!a.cluster) throw new RouterConfigError(where, 'cluster name is empty');
  checkDuration(a.timeoutMs, 'timeout', where);
  if (a.prefixRewrite !== undefined) checkNoBadChars(a.prefixRewrite, 'prefix_rewrite', where);
  if (a.hostRewriteLiteral !== undefined) {
    if (a.hostRewriteLiteral === '') throw new RouterConfigError(where, 'host_rewrite_literal is empty');
    checkNoBadChars(a.hostRewriteLiteral, 'host_rewrite_literal', where);
  }
  const r = a.retryPolicy;
  if (r !== undefined) {
    if (!Number.isInteger(r.numRetries) || r.numRetries < 0) {
      throw new RouterConfigError(where, `retry_policy.num_retries must be an integer >= 0, got ${r.numRetries}`);
    }
    checkDuration(r.perTryTimeoutMs, 'retry_policy.per_try_timeout', where);
    checkDuration(r.backOffBaseMs, 'retry_policy.retry_back_off.base_interval', where);
    checkDuration(r.backOffMaxMs, 'retry_policy.retry_back_off.max_interval', where);
    for (const code of r.retriableStatusCodes) {
      if (!Number.isInteger(code) || code < 100 || code > 599) {
        throw new RouterConfigError(where, `retry_policy.retriable_status_codes: ${code} is not an HTTP status`);
      }
    }
  }
  return a;
}

function compileRedirect(a: RedirectAction, where: string): Readonly<RedirectAction> {
  if (!REDIRECT_CODES.has(a.responseCode)) {
    throw new RouterConfigError(where, `redirect response_code must be 301, 302, 303, 307 or 308, got ${a.responseCode}`);
  }
  if (a.pathRedirect !== undefined && a.prefixRewrite !== undefined) {
    throw new RouterConfigError(where, 'redirect: give path_redirect or prefix_rewrite, not both');
  }
  if (a.pathRedirect !== undefined) {
    if (!a.pathRedirect.startsWith('/')) throw new RouterConfigError(where, `path_redirect '${a.pathRedirect}' must start with '/'`);
    checkNoBadChars(a.pathRedirect, 'path_redirect', where);
  }
  if (a.prefixRewrite !== undefined) checkNoBadChars(a.prefixRewrite, 'prefix_rewrite', where);
  if (a.schemeRedirect !== undefined && !SCHEME.test(a.schemeRedirect)) {
    throw new RouterConfigError(where, `scheme_redirect '${a.schemeRedirect}' is not a lower-case URI scheme`);
  }
  if (a.hostRedirect !== undefined) {
    if (a.hostRedirect === '') throw new RouterConfigError(where, 'host_redirect is empty');
    checkNoBadChars(a.hostRedirect, 'host_redirect', where);
  }
  if (a.portRedirect !== undefined && (!Number.isInteger(a.portRedirect) || a.portRedirect < 1 || a.portRedirect > 65535)) {
    throw new RouterConfigError(where, `port_redirect must be 1-65535, got ${a.portRedirect}`);
  }
  return a;
}

/** Check `a` and precompute what can be; throws `RouterConfigError` naming `where`. */
export function compileAction(a: RouteAction, where: string): CompiledRouteAction {
  switch (a.kind) {
    case 'cluster':
      return compileCluster(a, where);
    case 'redirect':
      return compileRedirect(a, where);
    case 'direct_response': {
      if (!Number.isInteger(a.status) || a.status < 200 || a.status > 599) {
        throw new RouterConfigError(where, `direct_response status must be 200-599, got ${a.status}`);
      }
      const body = encoder.encode(a.body ?? '');
      return { kind: 'direct_response', status: a.status, body, contentType: body.length > 0 ? 'text/plain' : null };
    }
    default:
      throw new RouterConfigError(where, `unknown route action '${(a as { kind: unknown }).kind}'`);
  }
}

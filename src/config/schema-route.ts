/** Schema of a route: match, action (cluster, direct response or redirect), retries, header edits. */

import { z } from 'zod';
import { expectation, listOr } from './describe.ts';
import { anyString, bool, duration, fail, headerName, headerValue, hostHeader, int, list, matchedHeaderName, name, nonEmptyString, oneOf, regex, requestHeaderName, UINT32_MAX, urlPath } from './schema-leaves.ts';
import { presentKeys, strict } from './schema-object.ts';
import type {
  ClusterRouteAction,
  HeaderMatch,
  HeaderMatcher,
  HeaderValueOption,
  PathMatch,
  QueryParameterMatch,
  QueryParameterMatcher,
  RedirectAction,
  RedirectResponseCode,
  RetryOn,
  RetryPolicyConfig,
  RouteAction,
  RouteConfig,
  RouteMatch,
} from './types.ts';

const headerValueOption = (key: ReturnType<typeof headerName>) =>
  strict({
    header: strict({ key, value: headerValue() }),
    append: bool().default(true),
  }).transform((v): HeaderValueOption => ({ key: v.header.key, value: v.header.value, append: v.append }));

/** `*_headers_to_add` / `*_headers_to_remove`, shared by virtual hosts and routes. */
export const headerEditShape = {
  request_headers_to_add: list(headerValueOption(requestHeaderName())).default([]),
  request_headers_to_remove: list(requestHeaderName()).default([]),
  response_headers_to_add: list(headerValueOption(headerName())).default([]),
  response_headers_to_remove: list(headerName()).default([]),
};

/** The header edits of a parsed `headerEditShape`, camelCased with names lower-cased. */
export function headerEdits(v: {
  request_headers_to_add: HeaderValueOption[];
  request_headers_to_remove: string[];
  response_headers_to_add: HeaderValueOption[];
  response_headers_to_remove: string[];
}) {
  return {
    requestHeadersToAdd: v.request_headers_to_add,
    requestHeadersToRemove: v.request_headers_to_remove.map((h) => h.toLowerCase()),
    responseHeadersToAdd: v.response_headers_to_add,
    responseHeadersToRemove: v.response_headers_to_remove.map((h) => h.toLowerCase()),
  };
}

const HEADER_MATCH_KEYS = ['exact_match', 'prefix_match', 'suffix_match', 'regex_match', 'present_match'] as const;

const headerMatcher = strict({
  name: matchedHeaderName(),
  exact_match: anyString().optional(),
  prefix_match: nonEmptyString().optional(),
  suffix_match: nonEmptyString().optional(),
  regex_match: regex().optional(),
  present_match: bool().optional(),
  invert_match: bool().default(false),
}).transform((v, ctx): HeaderMatcher => {
  const set = presentKeys(v, HEADER_MATCH_KEYS);
  if (set.length !== 1) {
    return fail(ctx, `expected exactly one of ${listOr([...HEADER_MATCH_KEYS])}, found ${set.length === 0 ? 'none' : set.join(' and ')}`, v);
  }
  let match: HeaderMatch;
  if (v.exact_match !== undefined) match = { kind: 'exact', value: v.exact_match };
  else if (v.prefix_match !== undefined) match = { kind: 'prefix', value: v.prefix_match };
  else if (v.suffix_match !== undefined) match = { kind: 'suffix', value: v.suffix_match };
  else if (v.regex_match !== undefined) match = { kind: 'regex', regex: v.regex_match };
  else match = { kind: 'present', present: v.present_match ?? true };
  return { name: v.name.toLowerCase(), match, invert: v.invert_match };
});

const QUERY_MATCH_KEYS = ['exact', 'regex', 'present'] as const;

const queryParameterMatcher = strict({
  name: nonEmptyString(),
  exact: anyString().optional(),
  regex: regex().optional(),
  present: bool().optional(),
}).transform((v, ctx): QueryParameterMatcher => {
  const set = presentKeys(v, QUERY_MATCH_KEYS);
  if (set.length !== 1) {
    return fail(ctx, `expected exactly one of ${listOr([...QUERY_MATCH_KEYS])}, found ${set.length === 0 ? 'none' : set.join(' and ')}`, v);
  }
  let match: QueryParameterMatch;
  if (v.exact !== undefined) match = { kind: 'exact', value: v.exact };
  else if (v.regex !== undefined) match = { kind: 'regex', regex: v.regex };
  else match = { kind: 'present', present: v.present ?? true };
  return { name: v.name, match };
});

const PATH_MATCH_KEYS = ['prefix', 'path', 'safe_regex'] as const;

const routeMatch = strict({
  prefix: urlPath('a path prefix starting with /').optional(),
  path: urlPath().optional(),
  safe_regex: strict({ regex: regex() }).optional(),
  case_sensitive: bool().default(true),
  headers: list(headerMatcher).default([]),
  query_parameters: list(queryParameterMatcher).default([]),
}).transform((v, ctx): RouteMatch => {
  const set = presentKeys(v, PATH_MATCH_KEYS);
  if (set.length !== 1) {
    return fail(ctx, `expected exactly one of ${listOr([...PATH_MATCH_KEYS])}, found ${set.length === 0 ? 'none' : set.join(' and ')}`, v);
  }
  let path: PathMatch;
  if (v.prefix !== undefined) path = { kind: 'prefix', prefix: v.prefix };
  else if (v.path !== undefined) path = { kind: 'path', path: v.path };
  else path = { kind: 'regex', regex: v.safe_regex?.regex ?? '' };
  return { path, caseSensitive: v.case_sensitive, headers: v.headers, queryParameters: v.query_parameters };
});

const RETRY_ON = ['5xx', 'gateway-error', 'connect-failure', 'reset', 'retriable-status-codes'] as const;

// Envoy writes `retry_on: "5xx,reset"`; a YAML list is accepted too.
const retryOn = z.unknown().transform((value, ctx): RetryOn[] => {
  const expected = `expected a comma-separated list of ${listOr([...RETRY_ON])}`;
  const items = typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : undefined;
  if (items === undefined || items.length === 0) return fail(ctx, `${expected}, found ${JSON.stringify(value) ?? 'nothing'}`, value);
  const out: RetryOn[] = [];
  for (const item of items) {
    const condition = typeof item === 'string' ? item.trim() : item;
    if (typeof condition !== 'string' || !(RETRY_ON as readonly string[]).includes(condition)) {
      return fail(ctx, `${expected}, found ${JSON.stringify(condition)}`, value);
    }
    if (!out.includes(condition as RetryOn)) out.push(condition as RetryOn);
  }
  return out;
});

const retryPolicy = strict({
  retry_on: retryOn,
  num_retries: int(0, 100).default(1),
  per_try_timeout: duration().prefault('0'),
  retriable_status_codes: list(int(100, 599)).default([]),
  retry_back_off: strict({
    base_interval: duration(1).prefault('25ms'),
    max_interval: duration(1).optional(),
  }).optional(),
}).transform((v, ctx): RetryPolicyConfig => {
  if (v.retry_on.includes('retriable-status-codes') && v.retriable_status_codes.length === 0) {
    ctx.addIssue({ code: 'custom', message: 'retry_on has retriable-status-codes but the list of codes is empty', path: ['retriable_status_codes'], input: v.retriable_status_codes });
  }
  const baseIntervalMs = v.retry_back_off?.base_interval ?? 25;
  // Envoy's default: ten times the base interval.
  const maxIntervalMs = v.retry_back_off?.max_interval ?? baseIntervalMs * 10;
  if (maxIntervalMs < baseIntervalMs) {
    ctx.addIssue({ code: 'custom', message: `expected max_interval to be at least base_interval (${baseIntervalMs}ms), found ${maxIntervalMs}ms`, path: ['retry_back_off', 'max_interval'], input: maxIntervalMs });
  }
  return {
    retryOn: v.retry_on,
    numRetries: v.num_retries,
    perTryTimeoutMs: v.per_try_timeout,
    retriableStatusCodes: v.retriable_status_codes,
    retryBackOff: { baseIntervalMs, maxIntervalMs },
  };
});

const directResponse = strict({
  status: int(200, 599),
  body: anyString().default(''),
}).superRefine((v, ctx) => {
  // S5 / RFC 9110 §15.3.5, §15.4.5: a 204 or 304 has no content; the proxy would not send it.
  if ((v.status === 204 || v.status === 304) && v.body !== '') {
    ctx.addIssue({ code: 'custom', message: expectation(`expected no body with status ${v.status} (a ${v.status} response has no content)`, v.body), path: ['body'], input: v.body });
  }
});

const REDIRECT_CODES = [301, 302, 303, 307, 308] as const;

const redirect = strict({
  host_redirect: hostHeader().optional(),
  port_redirect: int(1, 65535).optional(),
  path_redirect: urlPath().optional(),
  prefix_rewrite: urlPath().optional(),
  scheme_redirect: oneOf(['http', 'https']).optional(),
  response_code: z.unknown().transform((value, ctx): RedirectResponseCode => {
    if ((REDIRECT_CODES as readonly unknown[]).includes(value)) return value as RedirectResponseCode;
    return fail(ctx, `expected one of 301, 302, 303, 307 or 308, found ${JSON.stringify(value)}`, value);
  }).optional(),
  strip_query: bool().default(false),
}).transform((v, ctx): RedirectAction => {
  if (v.path_redirect !== undefined && v.prefix_rewrite !== undefined) {
    ctx.addIssue({ code: 'custom', message: 'expected at most one of path_redirect and prefix_rewrite, found both', path: ['prefix_rewrite'], input: v.prefix_rewrite });
  }
  return {
    kind: 'redirect',
    hostRedirect: v.host_redirect ?? null,
    portRedirect: v.port_redirect ?? null,
    pathRedirect: v.path_redirect ?? null,
    prefixRewrite: v.prefix_rewrite ?? null,
    schemeRedirect: v.scheme_redirect ?? null,
    responseCode: v.response_code ?? 301,
    stripQuery: v.strip_query,
  };
});

const ACTION_KEYS = ['cluster', 'direct_response', 'redirect'] as const;
// Settings of a proxied route; meaningless on a direct response or a redirect.
const CLUSTER_ONLY_KEYS = ['timeout', 'prefix_rewrite', 'host_rewrite_literal', 'retry_policy', 'websocket', 'per_request_buffer_limit_bytes'] as const;

const DEFAULT_ROUTE_TIMEOUT_MS = 15_000;
const DEFAULT_BUFFER_LIMIT_BYTES = 65_536;

/** One route of a virtual host. */
export const route = strict({
  name: name().optional(),
  match: routeMatch,
  cluster: name().optional(),
  direct_response: directResponse.optional(),
  redirect: redirect.optional(),
  timeout: duration().optional(),
  prefix_rewrite: urlPath().optional(),
  host_rewrite_literal: hostHeader().optional(),
  retry_policy: retryPolicy.optional(),
  websocket: bool().optional(),
  per_request_buffer_limit_bytes: int(0, UINT32_MAX).optional(),
  ...headerEditShape,
}).transform((v, ctx): RouteConfig => {
  const actions = presentKeys(v, ACTION_KEYS);
  if (actions.length !== 1) {
    return fail(ctx, `expected exactly one of ${listOr([...ACTION_KEYS])}, found ${actions.length === 0 ? 'none' : actions.join(' and ')}`, v);
  }
  let action: RouteAction;
  if (v.cluster !== undefined) {
    const clusterAction: ClusterRouteAction = {
      kind: 'cluster',
      cluster: v.cluster,
      timeoutMs: v.timeout ?? DEFAULT_ROUTE_TIMEOUT_MS,
      prefixRewrite: v.prefix_rewrite ?? null,
      hostRewriteLiteral: v.host_rewrite_literal ?? null,
      retryPolicy: v.retry_policy ?? null,
      websocket: v.websocket ?? false,
      perRequestBufferLimitBytes: v.per_request_buffer_limit_bytes ?? DEFAULT_BUFFER_LIMIT_BYTES,
    };
    action = clusterAction;
  } else {
    for (const key of presentKeys(v, CLUSTER_ONLY_KEYS)) {
      ctx.addIssue({ code: 'custom', message: `only applies to routes with a cluster, not to a ${actions[0]} route`, path: [key], input: v[key] });
    }
    action = v.direct_response !== undefined
      ? { kind: 'direct_response', status: v.direct_response.status, body: v.direct_response.body }
      : (v.redirect as RedirectAction);
  }
  return { name: v.name ?? null, match: v.match, action, ...headerEdits(v) };
});

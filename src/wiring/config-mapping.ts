/** Maps the validated config onto the plain inputs of the router and the upstream core. */
import type * as cfg from '../config/types.ts';
import type * as rt from '../router/types.ts';
import type { ClusterConfig as UpstreamClusterConfig } from '../upstream/types.ts';
import type { HealthCheckConfig as HcConfig, OutlierDetectionConfig as OdConfig } from '../health/types.ts';

function headerOptions(list: cfg.HeaderValueOption[]): rt.HeaderValueOption[] {
  return list.map((h) => ({ name: h.key, value: h.value, append: h.append }));
}

function headerMatcher(m: cfg.HeaderMatcher): rt.HeaderMatcher {
  const out: rt.HeaderMatcher = { name: m.name, invert: m.invert };
  switch (m.match.kind) {
    case 'exact':
      out.exact = m.match.value;
      break;
    case 'prefix':
      out.prefix = m.match.value;
      break;
    case 'suffix':
      out.suffix = m.match.value;
      break;
    case 'regex':
      out.safeRegex = m.match.regex;
      break;
    case 'present':
      // `present: false` means "absent": a presence matcher, inverted.
      out.present = true;
      if (!m.match.present) out.invert = !m.invert;
      break;
  }
  return out;
}

function queryMatcher(m: cfg.QueryParameterMatcher): rt.QueryParameterMatcher {
  switch (m.match.kind) {
    case 'exact':
      return { name: m.name, exact: m.match.value };
    case 'regex':
      return { name: m.name, safeRegex: m.match.regex };
    case 'present':
      return { name: m.name, present: m.match.present };
  }
}

function routeAction(a: cfg.RouteAction): rt.RouteAction {
  switch (a.kind) {
    case 'cluster': {
      const out: rt.ClusterAction = {
        kind: 'cluster',
        cluster: a.cluster,
        timeoutMs: a.timeoutMs,
        websocket: a.websocket,
        perRequestBufferLimitBytes: a.perRequestBufferLimitBytes,
      };
      if (a.prefixRewrite !== null) out.prefixRewrite = a.prefixRewrite;
      if (a.hostRewriteLiteral !== null) out.hostRewriteLiteral = a.hostRewriteLiteral;
      if (a.retryPolicy) {
        out.retryPolicy = {
          retryOn: new Set(a.retryPolicy.retryOn),
          numRetries: a.retryPolicy.numRetries,
          perTryTimeoutMs: a.retryPolicy.perTryTimeoutMs,
          retriableStatusCodes: a.retryPolicy.retriableStatusCodes,
          backOffBaseMs: a.retryPolicy.retryBackOff.baseIntervalMs,
          backOffMaxMs: a.retryPolicy.retryBackOff.maxIntervalMs,
        };
      }
      return out;
    }
    case 'direct_response':
      return { kind: 'direct_response', status: a.status, body: a.body };
    case 'redirect': {
      const out: rt.RedirectAction = { kind: 'redirect', responseCode: a.responseCode, stripQuery: a.stripQuery };
      if (a.hostRedirect !== null) out.hostRedirect = a.hostRedirect;
      if (a.portRedirect !== null) out.portRedirect = a.portRedirect;
      if (a.pathRedirect !== null) out.pathRedirect = a.pathRedirect;
      if (a.prefixRewrite !== null) out.prefixRewrite = a.prefixRewrite;
      if (a.schemeRedirect !== null) out.schemeRedirect = a.schemeRedirect;
      return out;
    }
  }
}

function pathMatch(m: cfg.RouteMatch): rt.RouteMatchConfig {
  const out: rt.RouteMatchConfig = { caseSensitive: m.caseSensitive };
  if (m.path.kind === 'prefix') out.prefix = m.path.prefix;
  else if (m.path.kind === 'path') out.path = m.path.path;
  else out.safeRegex = m.path.regex;
  if (m.headers.length) out.headers = m.headers.map(headerMatcher);
  if (m.queryParameters.length) out.queryParameters = m.queryParameters.map(queryMatcher);
  return out;
}

export function toRouterVirtualHosts(listener: cfg.ListenerConfig): rt.VirtualHostConfig[] {
  return listener.virtualHosts.map((vh) => ({
    name: vh.name,
    domains: vh.domains,
    routes: vh.routes.map((r) => {
      const route: rt.RouteConfig = {
        match: pathMatch(r.match),
        action: routeAction(r.action),
        requestHeadersToAdd: headerOptions(r.requestHeadersToAdd),
        requestHeadersToRemove: r.requestHeadersToRemove,
        responseHeadersToAdd: headerOptions(r.responseHeadersToAdd),
        responseHeadersToRemove: r.responseHeadersToRemove,
      };
      if (r.name !== null) route.name = r.name;
      return route;
    }),
    requestHeadersToAdd: headerOptions(vh.requestHeadersToAdd),
    requestHeadersToRemove: vh.requestHeadersToRemove,
    responseHeadersToAdd: headerOptions(vh.responseHeadersToAdd),
    responseHeadersToRemove: vh.responseHeadersToRemove,
  }));
}

export function toUpstreamCluster(c: cfg.ClusterConfig): UpstreamClusterConfig {
  return {
    name: c.name,
    type: c.type,
    lbPolicy: c.lbPolicy,
    connectTimeoutMs: c.connectTimeoutMs,
    endpoints: c.endpoints.map((e) => ({ address: e.address, port: e.port, weight: e.weight })),
    circuitBreakers: { ...c.circuitBreakers },
    idleTimeoutMs: c.httpProtocolOptions.idleTimeoutMs,
    maxRequestsPerConnection: c.httpProtocolOptions.maxRequestsPerConnection,
    dnsRefreshRateMs: c.dnsRefreshRateMs,
  };
}

export function toHealthCheck(h: cfg.HealthCheckConfig): HcConfig {
  const out: HcConfig = {
    path: h.path,
    intervalMs: h.intervalMs,
    intervalJitterMs: h.intervalJitterMs,
    timeoutMs: h.timeoutMs,
    unhealthyThreshold: h.unhealthyThreshold,
    healthyThreshold: h.healthyThreshold,
    expectedStatuses: h.expectedStatuses.map((r) => ({ start: r.start, end: r.end })),
  };
  if (h.host !== null) out.host = h.host;
  return out;
}

export function toOutlierDetection(o: cfg.OutlierDetectionConfig): OdConfig {
  return {
    consecutive5xx: o.consecutive5xx,
    consecutiveGatewayFailure: o.consecutiveGatewayFailure,
    intervalMs: o.intervalMs,
    baseEjectionTimeMs: o.baseEjectionTimeMs,
    maxEjectionTimeMs: o.maxEjectionTimeMs,
    maxEjectionPercent: o.maxEjectionPercent,
    // With few hosts a percentage alone would never eject anything (Envoy's always_eject_one_host).
    alwaysEjectOneHost: true,
  };
}

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { errorOf, MINIMAL, parse, withCluster } from './config-helpers.ts';
import { resolveOutlierConfig, validateHealthCheckConfig } from '../../../src/health/defaults.ts';
import { toHealthCheck, toOutlierDetection } from '../../../src/wiring/config-mapping.ts';

function messages(text: string): string {
  return errorOf(text).format();
}

describe('parseConfig defaults', () => {
  it('fills every default of a minimal config', () => {
    const config = parse(MINIMAL);
    assert.deepEqual(config.admin, { address: '127.0.0.1', port: 9901 });
    assert.equal(config.workers, 'auto');
    assert.equal(config.drainTimeoutMs, 30_000);
    const listener = config.listeners[0];
    assert.ok(listener);
    assert.equal(listener.tcpBacklogSize, null, "the system's largest accept queue");
    assert.equal(listener.maxRequestHeadersKb, 60);
    assert.equal(listener.maxRequestHeadersCount, 100);
    assert.equal(listener.requestHeadersTimeoutMs, 10_000);
    assert.equal(listener.idleTimeoutMs, 3_600_000);
    assert.equal(listener.accessLog, null);
    assert.equal(listener.via, null);
    const route = listener.virtualHosts[0]?.routes[0];
    assert.deepEqual(route?.match, { path: { kind: 'prefix', prefix: '/' }, caseSensitive: true, headers: [], queryParameters: [] });
    assert.deepEqual(route?.action, {
      kind: 'cluster',
      cluster: 'backend',
      timeoutMs: 15_000,
      prefixRewrite: null,
      hostRewriteLiteral: null,
      retryPolicy: null,
      websocket: false,
      perRequestBufferLimitBytes: 65_536,
    });
    const cluster = config.clusters[0];
    assert.ok(cluster);
    assert.equal(cluster.type, 'static');
    assert.equal(cluster.lbPolicy, 'round_robin');
    assert.equal(cluster.connectTimeoutMs, 5000);
    assert.equal(cluster.dnsRefreshRateMs, 5000);
    assert.equal(cluster.protocol, 'http/1.1');
    assert.deepEqual(cluster.endpoints, [{ address: '127.0.0.1', port: 9001, weight: 1 }]);
    assert.deepEqual(cluster.circuitBreakers, { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 });
    assert.deepEqual(cluster.httpProtocolOptions, { idleTimeoutMs: 3_600_000, maxRequestsPerConnection: 0 });
    assert.equal(cluster.healthCheck, null);
    assert.equal(cluster.outlierDetection, null);
  });

  it('fills health check and outlier detection defaults when the blocks are present', () => {
    const config = parse(withCluster(`  - name: backend
    endpoints: [{ address: 127.0.0.1, port: 9001 }]
    health_check: { path: /healthz }
    outlier_detection: {}`));
    assert.deepEqual(config.clusters[0]?.healthCheck, {
      path: '/healthz', host: null, intervalMs: 5000, intervalJitterMs: 0, timeoutMs: 1000,
      unhealthyThreshold: 3, healthyThreshold: 2, expectedStatuses: [{ start: 200, end: 300 }],
    });
    assert.deepEqual(config.clusters[0]?.outlierDetection, {
      consecutive5xx: 5, consecutiveGatewayFailure: 5, intervalMs: 10_000,
      baseEjectionTimeMs: 30_000, maxEjectionTimeMs: 300_000, maxEjectionPercent: 10,
    });
  });

  it('fills retry policy defaults, back-off max being ten times the base', () => {
    const config = parse(MINIMAL.replace('cluster: backend', 'cluster: backend\n            retry_policy: { retry_on: "5xx, reset,5xx" }'));
    const action = config.listeners[0]?.virtualHosts[0]?.routes[0]?.action;
    assert.equal(action?.kind, 'cluster');
    assert.deepEqual(action.kind === 'cluster' ? action.retryPolicy : null, {
      retryOn: ['5xx', 'reset'], numRetries: 1, perTryTimeoutMs: 0, retriableStatusCodes: [],
      retryBackOff: { baseIntervalMs: 25, maxIntervalMs: 250 },
    });
  });

  it('accepts workers as auto or a positive integer', () => {
    assert.equal(parse(`workers: 4\n${MINIMAL}`).workers, 4);
    assert.match(messages(`workers: -1\n${MINIMAL}`), /workers: expected auto or an integer from 1 to 1024, found -1/);
    assert.match(messages(`workers: two\n${MINIMAL}`), /workers: expected auto or an integer from 1 to 1024, found "two"/);
  });

  it('allows port 0 for listeners and admin (a free port), not for endpoints', () => {
    const config = parse(`admin: { port: 0 }\n${MINIMAL.replace('port: 10000', 'port: 0')}`);
    assert.equal(config.listeners[0]?.port, 0);
    assert.deepEqual(config.admin, { address: '127.0.0.1', port: 0 });
    assert.match(messages(MINIMAL.replace('port: 9001', 'port: 0')), /clusters\[0\]\.endpoints\[0\]\.port: expected an integer from 1 to 65535, found 0/);
  });

  it('takes a listener accept queue length from 1 to 65535', () => {
    const config = parse(MINIMAL.replace('port: 10000', 'port: 10000\n    tcp_backlog_size: 4096'));
    assert.equal(config.listeners[0]?.tcpBacklogSize, 4096);
    assert.match(messages(MINIMAL.replace('port: 10000', 'port: 10000\n    tcp_backlog_size: 0')), /listeners\[0\]\.tcp_backlog_size: expected an integer from 1 to 65535, found 0/);
    assert.match(messages(MINIMAL.replace('port: 10000', 'port: 10000\n    tcp_backlog_size: lots')), /listeners\[0\]\.tcp_backlog_size: expected an integer from 1 to 65535, found "lots"/);
  });

  it('says which required field is missing', () => {
    assert.match(messages(MINIMAL.replace('    port: 10000\n', '')), /listeners\[0\]\.port: required field is missing \(expected an integer from 0 to 65535\)/);
    assert.match(messages('clusters: []\n'), /test\.yaml: listeners: required field is missing \(expected a list\)/);
  });

  it('refuses an empty file and a file that is not a mapping', () => {
    assert.match(messages(''), /test\.yaml: the file is empty/);
    assert.match(messages('- a\n- b\n'), /test\.yaml: expected a mapping, found a list/);
  });

  it("refuses duplicate YAML keys, each named with its mapping's path and where it was first given", () => {
    const text = messages(`workers: 1\nworkers: 2\n${withCluster('  - name: a\n    name: b\n    endpoints: []\n')}`);
    assert.match(text, /test\.yaml: YAML syntax error: duplicate key "workers" \(first at line 1\): a key appears once per mapping \(line 2, column 1\)/);
    assert.match(text, /test\.yaml: clusters\[\d+\]: YAML syntax error: duplicate key "name" \(first at line \d+\)/);
  });

  it('reports only the first of the errors one stray bracket causes, with the quoting hint for ${...} in a flow collection', () => {
    const text = messages('listeners: [{name: a, port: ${PORT}}]\n');
    assert.equal(text.match(/YAML syntax error/g)?.length, 1, text);
    assert.match(text, /quote a value holding \$\{\.\.\.\}: "\$\{NAME\}"\) \(line 1, column 30\)/);
  });

  it("says a second YAML document is not allowed, in its own words rather than the parser's API", () => {
    const text = messages(`${MINIMAL}---\nworkers: 2\n`);
    assert.match(text, /YAML syntax error: a second YAML document starts here: the config is one document/);
    assert.doesNotMatch(text, /parseAllDocuments/);
  });

  it('hints at quoting a plain value that ends with a colon, and at spaces for a tab indent', () => {
    assert.match(messages('admin:\n  address: 127.0.0.1:\n'), /must be quoted\) \(line 2, column 12\)/);
    assert.match(messages('admin:\n\tport: 1\n'), /Tabs are not allowed as indentation \(indent with spaces\)/);
  });

  it('points an unknown field at its key, not at its value', () => {
    const text = messages(withCluster('  - name: a\n    endpoints: []\n    conect_timeout: 1s\n'));
    assert.match(text, /clusters\[\d+\]\.conect_timeout: unknown field \(did you mean "connect_timeout"\?\) \(line \d+, column 5\)/);
  });

  it('names the path and position of an alias whose anchor is missing', () => {
    const text = messages(withCluster('  - name: a\n    endpoints: *eps\n'));
    assert.match(text, /test\.yaml: clusters\[\d+\]\.endpoints: alias \*eps has no anchor &eps before it .*\(line \d+, column 16\)/);
  });

  it('supports YAML anchors and merge keys', () => {
    const config = parse(withCluster(`  - &base
    name: backend
    connect_timeout: 2s
    endpoints: [{ address: 127.0.0.1, port: 9001 }]
  - <<: *base
    name: other`));
    assert.equal(config.clusters[1]?.name, 'other');
    assert.equal(config.clusters[1]?.connectTimeoutMs, 2000);
  });
});

describe('parseConfig routes', () => {
  function routeYaml(route: string): string {
    return MINIMAL.replace('          - match: { prefix: / }\n            cluster: backend', route);
  }

  it('parses direct responses and redirects', () => {
    const config = parse(routeYaml(`          - match: { path: /healthz }
            direct_response: { status: 200, body: ok }
          - match: { prefix: /old/ }
            redirect: { prefix_rewrite: /new/, response_code: 308, scheme_redirect: https }
          - match: { prefix: / }
            cluster: backend`));
    const routes = config.listeners[0]?.virtualHosts[0]?.routes ?? [];
    assert.deepEqual(routes[0]?.action, { kind: 'direct_response', status: 200, body: 'ok' });
    assert.deepEqual(routes[1]?.action, {
      kind: 'redirect', hostRedirect: null, portRedirect: null, pathRedirect: null, prefixRewrite: '/new/',
      schemeRedirect: 'https', responseCode: 308, stripQuery: false,
    });
  });

  it('requires exactly one of cluster, direct_response and redirect', () => {
    assert.match(
      messages(routeYaml('          - match: { prefix: / }')),
      /routes\[0\]: expected exactly one of cluster, direct_response or redirect, found none/,
    );
    assert.match(
      messages(routeYaml('          - match: { prefix: / }\n            cluster: backend\n            direct_response: { status: 204 }')),
      /routes\[0\]: expected exactly one of cluster, direct_response or redirect, found cluster and direct_response/,
    );
  });

  it('refuses cluster-only settings on a direct response', () => {
    assert.match(
      messages(routeYaml('          - match: { prefix: / }\n            direct_response: { status: 204 }\n            timeout: 1s')),
      /routes\[0\]\.timeout: only applies to routes with a cluster, not to a direct_response route/,
    );
  });

  it('requires exactly one of prefix, path and safe_regex, and a regex that compiles', () => {
    assert.match(messages(routeYaml('          - match: { prefix: /, path: /x }\n            cluster: backend')), /routes\[0\]\.match: expected exactly one of prefix, path or safe_regex, found prefix and path/);
    assert.match(messages(routeYaml('          - match: { safe_regex: { regex: "/(a" } }\n            cluster: backend')), /routes\[0\]\.match\.safe_regex\.regex: expected a valid regular expression, found "\/\(a"/);
    assert.match(messages(routeYaml('          - match: { prefix: api }\n            cluster: backend')), /routes\[0\]\.match\.prefix: expected a path prefix starting with \/, found "api"/);
  });

  it('refuses, at validation, a regex the router would refuse: backreferences, lookaround, exponential repeats', () => {
    const route = (regex: string) => routeYaml(`          - match: { safe_regex: { regex: '${regex}' } }\n            cluster: backend`);
    assert.match(messages(route('/(a)\\1')), /routes\[0\]\.match\.safe_regex\.regex: expected a regular expression the router accepts, found .*backreferences/);
    assert.match(messages(route('/(?=x).*')), /safe_regex\.regex: .*lookaround/);
    assert.match(messages(route('/(a+)+')), /safe_regex\.regex: .*the repeated group \(a\+\)\+ holds a repeat/);
    const headers = routeYaml('          - match: { prefix: /, headers: [{ name: x, regex_match: "(a|aa)*" }] }\n            cluster: backend');
    assert.match(messages(headers), /routes\[0\]\.match\.headers\[0\]\.regex_match: .*exponential/);
    const query = routeYaml('          - match: { prefix: /, query_parameters: [{ name: q, regex: "(x{1,3}){2,}" }] }\n            cluster: backend');
    assert.match(messages(query), /routes\[0\]\.match\.query_parameters\[0\]\.regex: .*exponential/);
  });

  it('parses header and query matchers', () => {
    const config = parse(routeYaml(`          - match:
              prefix: /
              headers:
                - { name: X-Canary, exact_match: "1" }
                - { name: x-debug, present_match: true, invert_match: true }
              query_parameters:
                - { name: v, regex: "[0-9]+" }
            cluster: backend`));
    const match = config.listeners[0]?.virtualHosts[0]?.routes[0]?.match;
    assert.deepEqual(match?.headers, [
      { name: 'x-canary', match: { kind: 'exact', value: '1' }, invert: false },
      { name: 'x-debug', match: { kind: 'present', present: true }, invert: true },
    ]);
    assert.deepEqual(match?.queryParameters, [{ name: 'v', match: { kind: 'regex', regex: '[0-9]+' } }]);
    assert.match(
      messages(routeYaml('          - match: { prefix: /, headers: [{ name: a, exact_match: x, prefix_match: y }] }\n            cluster: backend')),
      /match\.headers\[0\]: expected exactly one of exact_match, prefix_match, suffix_match, regex_match or present_match, found exact_match and prefix_match/,
    );
  });

  it('refuses at validation what the router would refuse at start: host in request header edits, spaces in a host rewrite or redirect', () => {
    const edit = messages(routeYaml('          - match: { prefix: / }\n            cluster: backend\n            request_headers_to_add: [{ header: { key: Host, value: x } }]\n            request_headers_to_remove: [host]'));
    assert.match(edit, /request_headers_to_add\[0\]\.header\.key: expected an HTTP header name other than host/);
    assert.match(edit, /request_headers_to_remove\[0\]: expected an HTTP header name other than host/);
    assert.match(messages(routeYaml('          - match: { prefix: / }\n            cluster: backend\n            host_rewrite_literal: "a b.com"')), /host_rewrite_literal: expected a Host header value/);
    assert.match(messages(routeYaml('          - match: { prefix: / }\n            redirect: { host_redirect: "a b" }')), /redirect\.host_redirect: expected a Host header value/);
    // The response side may edit a header named host: it is only a name there.
    parse(routeYaml('          - match: { prefix: / }\n            cluster: backend\n            response_headers_to_remove: [host]'));
  });

  it('lets a header matcher name the pseudo-headers :method, :path and :authority, as Envoy', () => {
    const config = parse(routeYaml('          - match: { prefix: /, headers: [{ name: ":method", exact_match: GET }] }\n            cluster: backend'));
    assert.equal(config.listeners[0]?.virtualHosts[0]?.routes[0]?.match.headers[0]?.name, ':method');
    assert.match(messages(routeYaml('          - match: { prefix: /, headers: [{ name: ":status", exact_match: x }] }\n            cluster: backend')), /expected an HTTP header name or one of :method, :path, :authority/);
  });

  it('checks retry_on conditions and back-off bounds', () => {
    const withRetry = (policy: string) => MINIMAL.replace('cluster: backend', `cluster: backend\n            retry_policy: ${policy}`);
    assert.match(messages(withRetry('{ retry_on: "5xx,teapot" }')), /retry_policy\.retry_on: expected a comma-separated list of 5xx, gateway-error, connect-failure, reset or retriable-status-codes, found "teapot"/);
    assert.match(messages(withRetry('{ retry_on: retriable-status-codes }')), /retry_policy\.retriable_status_codes: retry_on has retriable-status-codes but the list of codes is empty/);
    assert.match(messages(withRetry('{ retry_on: 5xx, retry_back_off: { base_interval: 1s, max_interval: 100ms } }')), /retry_back_off\.max_interval: expected max_interval to be at least base_interval/);
  });

  it('checks header names and values of header edits', () => {
    assert.match(
      messages(MINIMAL.replace("domains: [\"*\"]", 'domains: ["*"]\n        request_headers_to_add: [{ header: { key: "bad header", value: x } }]')),
      /virtual_hosts\[0\]\.request_headers_to_add\[0\]\.header\.key: expected an HTTP header name/,
    );
  });

  it('lower-cases domains and refuses a wildcard in the middle', () => {
    assert.deepEqual(parse(MINIMAL.replace('domains: ["*"]', 'domains: ["Example.COM", "*.example.com", "api.*"]')).listeners[0]?.virtualHosts[0]?.domains, ['example.com', '*.example.com', 'api.*']);
    assert.match(messages(MINIMAL.replace('domains: ["*"]', 'domains: ["a.*.com"]')), /domains\[0\]: expected a domain such as example\.com/);
  });
});

describe('parseConfig cross-field checks', () => {
  it('refuses duplicate listener names and overlapping address:port pairs', () => {
    const second = `  - name: ingress
    address: 0.0.0.0
    port: 10000
    virtual_hosts:
      - name: default
        domains: ["*"]
        routes:
          - match: { prefix: / }
            cluster: backend
clusters:`;
    const text = MINIMAL.replace('clusters:', second);
    const out = messages(text);
    assert.match(out, /listeners\[1\]\.name: duplicate listener name "ingress" \(already used by listeners\[0\]\)/);
    assert.match(out, /listeners\[1\]\.port: 0\.0\.0\.0:10000 overlaps 127\.0\.0\.1:10000 of listeners\[0\]/);
  });

  it('refuses a listener on the admin port', () => {
    assert.match(messages(`admin: { port: 10000 }\n${MINIMAL}`), /listeners\[0\]\.port: 127\.0\.0\.1:10000 overlaps 127\.0\.0\.1:10000 of admin/);
  });

  it('refuses a domain served by two virtual hosts of one listener', () => {
    const text = MINIMAL.replace('clusters:', `        - name: other
        domains: ["*"]
        routes:
          - match: { prefix: / }
            cluster: backend
clusters:`).replace('        - name: other', '      - name: other');
    assert.match(messages(text), /virtual_hosts\[1\]\.domains\[0\]: domain "\*" is already served by listeners\[0\]\.virtual_hosts\[0\]\.domains\[0\]/);
    const dotted = text.replace('domains: ["*"]\n        routes:\n          - match: { prefix: / }\n            cluster: backend\nclusters:', 'domains: ["A.com."]\n        routes:\n          - match: { prefix: / }\n            cluster: backend\nclusters:').replace('domains: ["*"]', 'domains: ["a.com"]');
    assert.match(messages(dotted), /domain "a\.com" is already served by/, 'A.com. and a.com are one name');
  });

  it('says when a route names a cluster and no clusters exist', () => {
    assert.match(messages(MINIMAL.replace(/clusters:[\s\S]*$/, '')), /routes\[0\]\.cluster: unknown cluster "backend"; no clusters are defined/);
  });

  it('requires IP endpoints in static clusters and one endpoint in logical_dns clusters', () => {
    assert.match(
      messages(withCluster('  - name: backend\n    endpoints: [{ address: backend.internal, port: 80 }]')),
      /clusters\[0\]\.endpoints\[0\]\.address: expected an IP address in a static cluster, found "backend\.internal" \(use type: strict_dns for hostnames\)/,
    );
    assert.equal(parse(withCluster('  - name: backend\n    type: strict_dns\n    endpoints: [{ address: backend.internal, port: 80 }]')).clusters[0]?.type, 'strict_dns');
    assert.match(
      messages(withCluster('  - name: backend\n    type: logical_dns\n    endpoints: [{ address: a.internal, port: 80 }, { address: b.internal, port: 80 }]')),
      /clusters\[0\]\.endpoints: expected exactly one endpoint in a logical_dns cluster, found 2/,
    );
  });

  it('whatever health and outlier settings validate, the health code accepts at start (0 turns a consecutive rule off)', () => {
    const edge = parse(withCluster(
      '  - name: backend\n    endpoints: [{ address: 127.0.0.1, port: 1 }]\n' +
        '    health_check: { path: /h, host: h.example, interval: 1ms, timeout: 1ms, unhealthy_threshold: 1, healthy_threshold: 1 }\n' +
        '    outlier_detection: { consecutive_5xx: 0, consecutive_gateway_failure: 0, interval: 1ms, base_ejection_time: 1ms, max_ejection_time: 1ms, max_ejection_percent: 0 }',
    ));
    const c = edge.clusters[0]!;
    assert.doesNotThrow(() => validateHealthCheckConfig(toHealthCheck(c.healthCheck!)));
    assert.doesNotThrow(() => resolveOutlierConfig(toOutlierDetection(c.outlierDetection!)));
    assert.match(
      messages(withCluster('  - name: backend\n    endpoints: [{ address: 127.0.0.1, port: 1 }]\n    health_check: { path: /h, host: "a b" }')),
      /health_check\.host: expected a Host header value \(no spaces or control characters\), found "a b"/,
    );
  });

  it('refuses a domain with a port out of range, and a listener on the default admin port', () => {
    assert.match(messages(MINIMAL.replace('domains: ["*"]', 'domains: ["example.com:99999"]')), /domains\[0\]: expected a port from 1 to 65535 after the domain, found "example\.com:99999"/);
    assert.equal(parse(MINIMAL.replace('domains: ["*"]', 'domains: ["example.com:8080", "[::1]:8080"]')).listeners[0]?.virtualHosts[0]?.domains.length, 2);
    assert.match(messages(MINIMAL.replace('port: 10000', 'port: 9901')), /listeners\[0\]\.port: 127\.0\.0\.1:9901 overlaps 127\.0\.0\.1:9901 of admin/);
  });

  it('checks health check status ranges and ejection times', () => {
    assert.match(
      messages(withCluster('  - name: backend\n    endpoints: [{ address: 127.0.0.1, port: 1 }]\n    health_check: { path: /h, expected_statuses: [{ start: 300, end: 300 }] }')),
      /health_check\.expected_statuses\[0\]: expected end to be greater than start/,
    );
    assert.match(
      messages(withCluster('  - name: backend\n    endpoints: [{ address: 127.0.0.1, port: 1 }]\n    outlier_detection: { base_ejection_time: 60s, max_ejection_time: 30s }')),
      /outlier_detection\.max_ejection_time: expected at least base_ejection_time/,
    );
  });

  it('an unset max_ejection_time is 300 s or base_ejection_time, whichever is larger (Envoy)', () => {
    const od = (fields: string) => parse(withCluster(`  - name: backend\n    endpoints: [{ address: 127.0.0.1, port: 1 }]\n    outlier_detection: { ${fields} }`)).clusters[0]?.outlierDetection;
    assert.equal(od('base_ejection_time: 400s')?.maxEjectionTimeMs, 400_000);
    assert.equal(od('base_ejection_time: 10s')?.maxEjectionTimeMs, 300_000);
  });
});

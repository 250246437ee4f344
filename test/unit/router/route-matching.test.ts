import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileRouter } from '../../../src/router/router.ts';
import { RouterConfigError } from '../../../src/router/errors.ts';
import type { RouteConfig } from '../../../src/router/types.ts';
import { toCluster, vhost } from './helpers.ts';

function routerOf(routes: RouteConfig[]) {
  return compileRouter([vhost('vh', ['*'], routes)]);
}

function clusterFor(routes: RouteConfig[], path: string, headers: string[] = [], method = 'GET', host = 'h'): string | null {
  const m = routerOf(routes).route(method, host, path, headers);
  if (m === null) return null;
  return m.action.kind === 'cluster' ? m.action.cluster : m.action.kind;
}

describe('route matching', () => {
  it('the first matching route wins, even when a later one is more specific', () => {
    const routes = [toCluster('all', { prefix: '/' }), toCluster('api', { prefix: '/api' })];
    assert.equal(clusterFor(routes, '/api/users'), 'all');
  });

  it('a prefix matches the path start, not the query', () => {
    const routes = [toCluster('api', { prefix: '/api' })];
    assert.equal(clusterFor(routes, '/api'), 'api');
    assert.equal(clusterFor(routes, '/apiary'), 'api');
    assert.equal(clusterFor(routes, '/ap?i'), null);
    assert.equal(clusterFor(routes, '/other?x=/api'), null);
  });

  it('an exact path ignores the query string', () => {
    const routes = [toCluster('exact', { path: '/health' })];
    assert.equal(clusterFor(routes, '/health'), 'exact');
    assert.equal(clusterFor(routes, '/health?verbose=1'), 'exact');
    assert.equal(clusterFor(routes, '/health/'), null);
    assert.equal(clusterFor(routes, '/healthz'), null);
  });

  it('prefix and path are case-sensitive by default and case-insensitive on request', () => {
    assert.equal(clusterFor([toCluster('c', { prefix: '/API' })], '/api/x'), null);
    assert.equal(clusterFor([toCluster('c', { prefix: '/API', caseSensitive: false })], '/api/x'), 'c');
    assert.equal(clusterFor([toCluster('c', { path: '/Foo', caseSensitive: false })], '/fOO?q'), 'c');
    assert.equal(clusterFor([toCluster('c', { path: '/Foo', caseSensitive: false })], '/fOOo'), null);
  });

  it('safe_regex must match the whole path without the query', () => {
    const routes = [toCluster('re', { safeRegex: '/users/[0-9]+' })];
    assert.equal(clusterFor(routes, '/users/42'), 're');
    assert.equal(clusterFor(routes, '/users/42?expand=1'), 're');
    assert.equal(clusterFor(routes, '/users/42/posts'), null);
    assert.equal(clusterFor(routes, '/v1/users/42'), null);
  });

  it('a header matcher with an exact value', () => {
    const routes = [toCluster('v2', { prefix: '/', headers: [{ name: 'X-Version', exact: '2' }] }), toCluster('v1', { prefix: '/' })];
    assert.equal(clusterFor(routes, '/', ['x-version', '2']), 'v2');
    assert.equal(clusterFor(routes, '/', ['X-VERSION', '3']), 'v1');
    assert.equal(clusterFor(routes, '/', []), 'v1');
  });

  it('header matchers by prefix, suffix, contains and regex', () => {
    const h = (m: object) => [toCluster('hit', { prefix: '/', headers: [{ name: 'ua', ...m }] })];
    assert.equal(clusterFor(h({ prefix: 'curl/' }), '/', ['ua', 'curl/8.0']), 'hit');
    assert.equal(clusterFor(h({ prefix: 'curl/' }), '/', ['ua', 'wget']), null);
    assert.equal(clusterFor(h({ suffix: '.0' }), '/', ['ua', 'curl/8.0']), 'hit');
    assert.equal(clusterFor(h({ contains: 'rl/8' }), '/', ['ua', 'curl/8.0']), 'hit');
    assert.equal(clusterFor(h({ safeRegex: 'curl/[0-9.]+' }), '/', ['ua', 'curl/8.0']), 'hit');
    assert.equal(clusterFor(h({ safeRegex: 'curl' }), '/', ['ua', 'curl/8.0']), null);
    assert.equal(clusterFor(h({ exact: 'CURL', ignoreCase: true }), '/', ['ua', 'curl']), 'hit');
  });

  it('repeated headers are joined with a comma before matching', () => {
    const routes = [toCluster('hit', { prefix: '/', headers: [{ name: 'x-tag', exact: 'a,b' }] })];
    assert.equal(clusterFor(routes, '/', ['x-tag', 'a', 'other', 'z', 'X-Tag', 'b']), 'hit');
  });

  it('present and absent header matchers', () => {
    const present = [toCluster('hit', { prefix: '/', headers: [{ name: 'x-debug' }] })];
    assert.equal(clusterFor(present, '/', ['x-debug', '']), 'hit');
    assert.equal(clusterFor(present, '/', []), null);
    const absent = [toCluster('hit', { prefix: '/', headers: [{ name: 'x-debug', present: false }] })];
    assert.equal(clusterFor(absent, '/', []), 'hit');
    assert.equal(clusterFor(absent, '/', ['x-debug', '1']), null);
  });

  it('invert negates a header matcher, but a missing header never satisfies a value matcher', () => {
    const notCurl = [toCluster('hit', { prefix: '/', headers: [{ name: 'ua', prefix: 'curl', invert: true }] })];
    assert.equal(clusterFor(notCurl, '/', ['ua', 'wget']), 'hit');
    assert.equal(clusterFor(notCurl, '/', ['ua', 'curl/8']), null);
    assert.equal(clusterFor(notCurl, '/', []), null);
    const notPresent = [toCluster('hit', { prefix: '/', headers: [{ name: 'ua', present: true, invert: true }] })];
    assert.equal(clusterFor(notPresent, '/', []), 'hit');
    assert.equal(clusterFor(notPresent, '/', ['ua', 'x']), null);
  });

  it('pseudo-headers match the method, authority and full path', () => {
    const routes = [
      toCluster('post', { prefix: '/', headers: [{ name: ':method', exact: 'POST' }] }),
      toCluster('host', { prefix: '/', headers: [{ name: ':authority', suffix: '.internal' }] }),
      toCluster('path', { prefix: '/', headers: [{ name: ':path', contains: 'debug=1' }] }),
      toCluster('rest', { prefix: '/' }),
    ];
    assert.equal(clusterFor(routes, '/', [], 'POST'), 'post');
    assert.equal(clusterFor(routes, '/', [], 'GET', 'svc.internal'), 'host');
    assert.equal(clusterFor(routes, '/x?debug=1', []), 'path');
    assert.equal(clusterFor(routes, '/x', []), 'rest');
  });

  it('all header matchers of a route must match', () => {
    const routes = [toCluster('hit', { prefix: '/', headers: [{ name: 'a', exact: '1' }, { name: 'b', exact: '2' }] })];
    assert.equal(clusterFor(routes, '/', ['a', '1', 'b', '2']), 'hit');
    assert.equal(clusterFor(routes, '/', ['a', '1']), null);
  });

  it('query parameter matchers: exact, prefix, regex, present, absent', () => {
    const q = (m: object) => [toCluster('hit', { prefix: '/', queryParameters: [{ name: 'v', ...m }] })];
    assert.equal(clusterFor(q({ exact: '2' }), '/?a=1&v=2'), 'hit');
    assert.equal(clusterFor(q({ exact: '2' }), '/?v=3'), null);
    assert.equal(clusterFor(q({ exact: '2' }), '/'), null);
    assert.equal(clusterFor(q({ prefix: 'be' }), '/?v=beta'), 'hit');
    assert.equal(clusterFor(q({ safeRegex: '[0-9]+' }), '/?v=12'), 'hit');
    assert.equal(clusterFor(q({ safeRegex: '[0-9]+' }), '/?v=12a'), null);
    assert.equal(clusterFor(q({}), '/?v'), 'hit');
    assert.equal(clusterFor(q({}), '/?w=1'), null);
    assert.equal(clusterFor(q({ present: false }), '/?w=1'), 'hit');
    assert.equal(clusterFor(q({ exact: 'BETA', ignoreCase: true }), '/?v=beta'), 'hit');
  });

  it('query parameters are compared as sent, not percent-decoded (as Envoy), and the first occurrence counts', () => {
    const encoded = [toCluster('hit', { prefix: '/', queryParameters: [{ name: 'p', exact: 'a%2Fb' }] })];
    assert.equal(clusterFor(encoded, '/?p=a%2Fb'), 'hit');
    const decoded = [toCluster('hit', { prefix: '/', queryParameters: [{ name: 'p', exact: 'a/b' }] })];
    assert.equal(clusterFor(decoded, '/?p=a%2Fb'), null);
    assert.equal(clusterFor(decoded, '/?%70=a/b'), null, 'the name is not decoded either');
    assert.equal(clusterFor(decoded, '/?p=a/b'), 'hit');
    const first = [toCluster('hit', { prefix: '/', queryParameters: [{ name: 'v', exact: '1' }] })];
    assert.equal(clusterFor(first, '/?v=1&v=2'), 'hit');
    assert.equal(clusterFor(first, '/?v=2&v=1'), null);
  });

  it('direct_response and redirect routes are returned like cluster routes', () => {
    const routes: RouteConfig[] = [
      { match: { path: '/ping' }, action: { kind: 'direct_response', status: 200, body: 'pong' } },
      { match: { prefix: '/old' }, action: { kind: 'redirect', pathRedirect: '/new', responseCode: 301 } },
    ];
    const r = routerOf(routes);
    const ping = r.route('GET', 'h', '/ping', []);
    assert.ok(ping && ping.action.kind === 'direct_response');
    assert.equal(ping.action.status, 200);
    assert.equal(new TextDecoder().decode(ping.action.body), 'pong');
    assert.equal(ping.action.contentType, 'text/plain');
    assert.equal(r.route('GET', 'h', '/old/x', [])?.action.kind, 'redirect');
  });

  it('the match links back to its virtual host and carries its name', () => {
    const m = routerOf([toCluster('c', { prefix: '/' }, { name: 'catch-all' })]).route('GET', 'h', '/', []);
    assert.equal(m?.name, 'catch-all');
    assert.equal(m?.virtualHost.name, 'vh');
  });
});

describe('route compilation errors', () => {
  function fails(routes: RouteConfig[], pattern: RegExp): void {
    assert.throws(
      () => routerOf(routes),
      (e: unknown) => e instanceof RouterConfigError && pattern.test(e.message),
    );
  }

  it('an invalid safe_regex names the route', () => {
    fails([toCluster('c', { prefix: '/' }), toCluster('c', { safeRegex: '/(unclosed' }, { name: 'bad' })], /routes\[1\] \('bad'\).*safe_regex/);
  });

  it('regex features RE2 lacks are refused', () => {
    fails([toCluster('c', { safeRegex: '/(?=x).*' })], /lookaround/);
    fails([toCluster('c', { safeRegex: '/(a)\\1' })], /backreference/);
    fails([toCluster('c', { prefix: '/', headers: [{ name: 'x', safeRegex: '(?<!a)b' }] })], /lookaround/);
  });

  it('a regex cannot escape its anchors with an unbalanced parenthesis', () => {
    fails([toCluster('c', { safeRegex: '/a)|(.*' })], /not a valid regex/);
  });

  it('a route needs exactly one of prefix, path, safe_regex', () => {
    fails([toCluster('c', {})], /exactly one/);
    fails([toCluster('c', { prefix: '/', path: '/x' })], /exactly one/);
  });

  it('a path that does not start with / is refused', () => {
    fails([toCluster('c', { path: 'x' })], /must start with/);
  });

  it('a header matcher with two conditions is refused', () => {
    fails([toCluster('c', { prefix: '/', headers: [{ name: 'x', exact: 'a', prefix: 'b' }] })], /at most one/);
  });

  it('bad actions are refused', () => {
    fails([{ match: { prefix: '/' }, action: { kind: 'redirect', responseCode: 200 } }], /response_code/);
    fails([{ match: { prefix: '/' }, action: { kind: 'direct_response', status: 99 } }], /status/);
    fails([{ match: { prefix: '/' }, action: { kind: 'cluster', cluster: '', timeoutMs: 0 } }], /cluster name/);
    fails([{ match: { prefix: '/' }, action: { kind: 'cluster', cluster: 'c', timeoutMs: -1 } }], /timeout/);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileRouter } from '../../../src/router/router.ts';
import type { RedirectAction, RouteConfig, RouteMatchConfig } from '../../../src/router/types.ts';
import { vhost } from './helpers.ts';

function rewritten(match: RouteMatchConfig, prefixRewrite: string, path: string): string {
  const route: RouteConfig = { match, action: { kind: 'cluster', cluster: 'c', timeoutMs: 0, prefixRewrite } };
  const m = compileRouter([vhost('vh', ['*'], [route])]).route('GET', 'h', path, []);
  assert.ok(m, `no route for ${path}`);
  return m.upstreamPath(path);
}

function location(action: Omit<RedirectAction, 'kind'>, path: string, authority = 'example.com', match: RouteMatchConfig = { prefix: '/' }, scheme = 'http'): string | null {
  const route: RouteConfig = { match, action: { kind: 'redirect', ...action } };
  const m = compileRouter([vhost('vh', ['*'], [route])]).route('GET', authority, path, []);
  assert.ok(m, `no route for ${path}`);
  return m.redirectLocation(scheme, authority, path);
}

describe('prefix rewrite', () => {
  it('replaces the matched prefix and keeps the rest and the query', () => {
    assert.equal(rewritten({ prefix: '/api/' }, '/v2/', '/api/users?id=1'), '/v2/users?id=1');
  });

  it('a route without prefix_rewrite sends the path unchanged', () => {
    const m = compileRouter([vhost('vh', ['*'])]).route('GET', 'h', '/a?b', []);
    assert.equal(m?.upstreamPath('/a?b'), '/a?b');
  });

  it('rewriting /api to / never produces a double slash', () => {
    assert.equal(rewritten({ prefix: '/api' }, '/', '/api/users'), '/users');
    assert.equal(rewritten({ prefix: '/api/' }, '/', '/api/users'), '/users');
    assert.equal(rewritten({ prefix: '/api' }, '/v2/', '/api/users'), '/v2/users');
  });

  it('rewriting the whole path to / keeps a leading slash before the query', () => {
    assert.equal(rewritten({ prefix: '/api' }, '/', '/api'), '/');
    assert.equal(rewritten({ prefix: '/api' }, '/', '/api?x=1'), '/?x=1');
  });

  it('an empty rewrite still yields a path starting with /', () => {
    assert.equal(rewritten({ prefix: '/api/' }, '', '/api/users'), '/users');
    assert.equal(rewritten({ prefix: '/api' }, '', '/api'), '/');
  });

  it('rewriting / prepends to every path', () => {
    assert.equal(rewritten({ prefix: '/' }, '/base/', '/x/y?z'), '/base/x/y?z');
  });

  it('a case-insensitive prefix replaces the request\'s spelling of it', () => {
    assert.equal(rewritten({ prefix: '/API', caseSensitive: false }, '/v2', '/Api/x'), '/v2/x');
  });

  it('exact-path and regex routes replace the whole path, keeping the query', () => {
    assert.equal(rewritten({ path: '/old' }, '/new', '/old?q=1'), '/new?q=1');
    assert.equal(rewritten({ safeRegex: '/u/[0-9]+' }, '/user', '/u/7?q'), '/user?q');
  });
});

describe('redirect location', () => {
  it('path_redirect replaces the path and keeps the query', () => {
    assert.equal(location({ pathRedirect: '/new', responseCode: 301 }, '/old?a=1'), 'http://example.com/new?a=1');
  });

  it('a query in path_redirect replaces the request query', () => {
    assert.equal(location({ pathRedirect: '/new?b=2', responseCode: 301 }, '/old?a=1'), 'http://example.com/new?b=2');
  });

  it('strip_query drops the request query', () => {
    assert.equal(location({ pathRedirect: '/new', stripQuery: true, responseCode: 302 }, '/old?a=1'), 'http://example.com/new');
    assert.equal(location({ stripQuery: true, responseCode: 302 }, '/same?a=1'), 'http://example.com/same');
  });

  it('https scheme redirect keeps host and path and drops a default port', () => {
    assert.equal(location({ schemeRedirect: 'https', responseCode: 301 }, '/p?q', 'example.com'), 'https://example.com/p?q');
    assert.equal(location({ schemeRedirect: 'https', responseCode: 301 }, '/p', 'example.com:80'), 'https://example.com/p');
    assert.equal(location({ schemeRedirect: 'https', responseCode: 301 }, '/p', 'example.com:8080'), 'https://example.com:8080/p');
  });

  it('host and port redirects', () => {
    assert.equal(location({ hostRedirect: 'new.example.com', responseCode: 308 }, '/p'), 'http://new.example.com/p');
    assert.equal(location({ portRedirect: 8443, responseCode: 308 }, '/p', 'example.com:8080'), 'http://example.com:8443/p');
    assert.equal(location({ portRedirect: 8443, responseCode: 308 }, '/p', '[::1]'), 'http://[::1]:8443/p');
  });

  it('prefix_rewrite in a redirect swaps the matched prefix', () => {
    assert.equal(location({ prefixRewrite: '/v2/', responseCode: 301 }, '/v1/x?q', 'example.com', { prefix: '/v1/' }), 'http://example.com/v2/x?q');
  });

  it('a cluster route has no Location', () => {
    const m = compileRouter([vhost('vh', ['*'])]).route('GET', 'h', '/', []);
    assert.equal(m?.redirectLocation('http', 'h', '/'), null);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileRouter } from '../../../src/router/router.ts';
import { RouterConfigError } from '../../../src/router/errors.ts';
import { vhost } from './helpers.ts';

const router = compileRouter([
  vhost('exact', ['api.example.com']),
  vhost('exact-port', ['api.example.com:8080']),
  vhost('suffix', ['*.example.com']),
  vhost('longer-suffix', ['*.eu.example.com']),
  vhost('dash-suffix', ['*-staging.example.org']),
  vhost('prefix', ['api.*']),
  vhost('longer-prefix', ['api.internal.*']),
  vhost('default', ['*']),
]);

function pick(host: string): string | undefined {
  return router.selectVirtualHost(host)?.name;
}

describe('virtual host selection', () => {
  it('an exact domain wins over every wildcard', () => {
    assert.equal(pick('api.example.com'), 'exact');
  });

  it('the Host is compared case-insensitively', () => {
    assert.equal(pick('API.Example.COM'), 'exact');
  });

  it('a trailing dot on the Host is ignored, with or without a port', () => {
    assert.equal(pick('api.example.com.'), 'exact');
    assert.equal(pick('api.example.com.:8080'), 'exact-port');
  });

  it('a Host with a port matches a domain with that port exactly', () => {
    assert.equal(pick('api.example.com:8080'), 'exact-port');
  });

  it('a Host with a port falls back to the domain without it', () => {
    assert.equal(pick('api.example.com:9090'), 'exact');
    assert.equal(pick('www.example.com:9090'), 'suffix');
  });

  it('an exact domain reached by stripping the port beats a prefix wildcard that matches with it', () => {
    // 'api.*' would match 'api.example.com:9090' as is; exact without port is the better tier.
    assert.equal(pick('api.example.com:9090'), 'exact');
  });

  it('the longest suffix wildcard wins', () => {
    assert.equal(pick('www.example.com'), 'suffix');
    assert.equal(pick('www.eu.example.com'), 'longer-suffix');
  });

  it('a suffix wildcard need not start at a dot', () => {
    assert.equal(pick('shop-staging.example.org'), 'dash-suffix');
  });

  it('a wildcard stands for at least one character', () => {
    assert.equal(pick('example.com'), 'default');
    assert.equal(pick('-staging.example.org'), 'default');
  });

  it('suffix wildcards come before prefix wildcards', () => {
    assert.equal(pick('api.eu.example.com'), 'longer-suffix');
  });

  it('the longest prefix wildcard wins when no suffix matches', () => {
    assert.equal(pick('api.foo.net'), 'prefix');
    assert.equal(pick('api.internal.net'), 'longer-prefix');
  });

  it('* catches everything else, including a missing Host', () => {
    assert.equal(pick('unknown.net'), 'default');
    assert.equal(pick(''), 'default');
    assert.equal(router.selectVirtualHost(null)?.name, 'default');
    assert.equal(router.route('GET', null, '/', [])?.virtualHost.name, 'default');
  });

  it('a domain written with a trailing dot is the same name as without one', () => {
    const r = compileRouter([vhost('dotted', ['example.com.'])]);
    assert.equal(r.selectVirtualHost('example.com')?.name, 'dotted');
    assert.equal(r.selectVirtualHost('example.com.')?.name, 'dotted');
    assert.throws(() => compileRouter([vhost('a', ['example.com.']), vhost('b', ['example.com'])]), RouterConfigError);
  });

  it('without a * virtual host an unknown Host selects nothing', () => {
    const r = compileRouter([vhost('only', ['a.com'])]);
    assert.equal(r.selectVirtualHost('b.com'), null);
    assert.equal(r.route('GET', 'b.com', '/', []), null);
  });

  it('repeated lookups of the same Host give the same answer (cache)', () => {
    for (let i = 0; i < 3; i++) assert.equal(pick('WWW.example.com'), 'suffix');
  });

  it('many wildcards of one length are found through the lookup table', () => {
    const hosts = Array.from({ length: 20 }, (_, i) => vhost(`h${i}`, [`*.s${String(i).padStart(2, '0')}.com`]));
    const r = compileRouter([...hosts, vhost('default', ['*'])]);
    assert.equal(r.selectVirtualHost('x.s07.com')?.name, 'h7');
    assert.equal(r.selectVirtualHost('x.s99.com')?.name, 'default');
    const prefixes = Array.from({ length: 20 }, (_, i) => vhost(`p${i}`, [`p${String(i).padStart(2, '0')}.*`]));
    const rp = compileRouter(prefixes);
    assert.equal(rp.selectVirtualHost('p13.example')?.name, 'p13');
  });

  it('a domain used by two virtual hosts is rejected, naming both', () => {
    assert.throws(
      () => compileRouter([vhost('a', ['x.com']), vhost('b', ['X.com'])]),
      (e: unknown) => e instanceof RouterConfigError && e.code === 'ROUTER_CONFIG' && /'b'.*'a'/.test(e.message),
    );
  });

  it('a wildcard in the middle of a domain is rejected', () => {
    assert.throws(() => compileRouter([vhost('a', ['a.*.com'])]), RouterConfigError);
    assert.throws(() => compileRouter([vhost('a', ['*.a.*'])]), RouterConfigError);
  });

  it('two virtual hosts with one name are rejected', () => {
    assert.throws(() => compileRouter([vhost('a', ['x.com']), vhost('a', ['y.com'])]), /name is used/);
  });
});

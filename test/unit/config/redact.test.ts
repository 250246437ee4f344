import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { redactConfig, REDACTED } from '../../../src/config/redact.ts';
import { MINIMAL, parse } from './config-helpers.ts';

const SECRET_ROUTES = MINIMAL.replace('          - match: { prefix: / }\n            cluster: backend', `          - match:
              prefix: /
              headers:
                - { name: Authorization, exact_match: "Bearer s3cret" }
                - { name: x-tenant, exact_match: acme }
              query_parameters:
                - { name: api_token, exact: t0ken }
            cluster: backend
            request_headers_to_add:
              - header: { key: Cookie, value: "session=abc" }
              - header: { key: x-upstream-password, value: hunter2 }
              - header: { key: x-env, value: prod }`);

describe('redactConfig', () => {
  it('judges headers by their name, never clusters or routes by theirs', () => {
    const config = parse(
      MINIMAL.replace('cluster: backend', 'cluster: session-store')
        .replace('  - name: backend', '  - name: session-store')
        .replace('            cluster: session-store', `            cluster: session-store
            request_headers_to_add:
              - header: { key: x-auth, value: SUPERSECRET2 }
              - header: { key: x-upstream-key, value: SUPERSECRET3 }
              - header: { key: x-api-key, value: SUPERSECRET4 }
              - header: { key: x-keep, value: visible }`),
    );
    const redacted = redactConfig(config);
    assert.deepEqual(redacted.clusters, config.clusters, 'a cluster named session-store is shown whole');
    assert.deepEqual(redacted.listeners[0]?.virtualHosts[0]?.routes[0]?.requestHeadersToAdd, [
      { key: 'x-auth', value: REDACTED, append: true },
      { key: 'x-upstream-key', value: REDACTED, append: true },
      { key: 'x-api-key', value: REDACTED, append: true },
      { key: 'x-keep', value: 'visible', append: true },
    ]);
  });

  it('hides values of secret-looking headers and parameters, keeps the rest', () => {
    const config = parse(SECRET_ROUTES);
    const redacted = redactConfig(config);
    const route = redacted.listeners[0]?.virtualHosts[0]?.routes[0];
    assert.deepEqual(route?.match.headers, [
      { name: 'authorization', match: { kind: 'exact', value: REDACTED }, invert: false },
      { name: 'x-tenant', match: { kind: 'exact', value: 'acme' }, invert: false },
    ]);
    assert.deepEqual(route?.match.queryParameters, [{ name: 'api_token', match: { kind: 'exact', value: REDACTED } }]);
    assert.deepEqual(route?.requestHeadersToAdd, [
      { key: 'Cookie', value: REDACTED, append: true },
      { key: 'x-upstream-password', value: REDACTED, append: true },
      { key: 'x-env', value: 'prod', append: true },
    ]);
    assert.deepEqual(redacted.clusters, config.clusters);
  });

  it('never shows the secret anywhere in the dump and leaves the original untouched', () => {
    const config = parse(SECRET_ROUTES);
    const dump = JSON.stringify(redactConfig(config));
    for (const secret of ['s3cret', 't0ken', 'session=abc', 'hunter2']) assert.ok(!dump.includes(secret), secret);
    assert.ok(JSON.stringify(config).includes('hunter2'));
  });

  it('redacts a field whose own name suggests a secret', () => {
    const config = parse(MINIMAL);
    const withSecret = { ...config, extra: { clientSecret: 'x', password: 'y', port: 1 } };
    const redacted = redactConfig(withSecret) as unknown as { extra: Record<string, unknown> };
    assert.deepEqual(redacted.extra, { clientSecret: REDACTED, password: REDACTED, port: 1 });
  });
});

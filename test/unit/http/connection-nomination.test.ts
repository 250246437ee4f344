/** R17 through the proxy: a Connection header removes the sender's own fields, never the ones the proxy adds. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type MemorySocket, memoryWorkerForTests, ONE_ROUTE_CONFIG, tick } from '../../support/memory-runtime.ts';

const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

// `via` on the listener; /plain edits no headers (fields copied from the received head), /edit
// adds request and response headers, overwriting (append: false) and appending.
const CONFIG = ONE_ROUTE_CONFIG.replace('    port: 1\n', '    port: 1\n    via: edge-proxy\n').replace(
  '          - match: { prefix: / }\n            cluster: origin',
  [
    '          - match: { prefix: /edit }',
    '            cluster: origin',
    '            request_headers_to_add:',
    '              - { header: { key: x-tenant, value: t1 }, append: false }',
    '              - { header: { key: x-route-tag, value: from-route }, append: true }',
    '            response_headers_to_add:',
    '              - { header: { key: x-frame-options, value: DENY }, append: false }',
    '              - { header: { key: x-cache-tag, value: from-route }, append: true }',
    '          - match: { prefix: / }',
    '            cluster: origin',
  ].join('\n'),
);

describe('Connection nominations against the fields the proxy adds (R17)', () => {
  const suite = memoryWorkerForTests(CONFIG);

  async function send(raw: string): Promise<{ client: MemorySocket; up: MemorySocket; sent: string }> {
    const client = suite.worker.connect();
    const counts = suite.worker.upstreams.map((u) => u.text().length);
    client.feed(latin1(raw));
    await tick();
    const k = suite.worker.upstreams.findIndex((u, i) => u.text().length > (counts[i] ?? 0));
    assert.ok(k >= 0, 'forwarded');
    const up = suite.worker.upstreams[k]!;
    return { client, up, sent: up.text().slice(counts[k] ?? 0) };
  }

  async function respond(up: MemorySocket, client: MemorySocket, raw: string): Promise<string> {
    up.feed(latin1(raw));
    await tick();
    const text = client.text();
    client.peerClose();
    return text.slice(0, text.indexOf('\r\n\r\n') + 2);
  }

  it("a client nominating via, x-forwarded-proto and x-request-id keeps the proxy's own; its nominated X-Secret goes", async () => {
    const { client, up, sent } = await send(
      'GET /plain HTTP/1.1\r\nHost: a\r\nConnection: via, x-forwarded-proto, x-request-id, x-secret\r\nX-Secret: s\r\nVia: 1.1 spoofed\r\n\r\n',
    );
    assert.match(sent, /\r\nvia: 1\.1 edge-proxy\r\n/);
    assert.match(sent, /\r\nx-forwarded-proto: http\r\n/);
    assert.match(sent, /\r\nx-request-id: [0-9a-f-]{36}\r\n/);
    assert.doesNotMatch(sent, /x-secret|spoofed/i);
    await respond(up, client, 'HTTP/1.1 204 No Content\r\n\r\n');
  });

  it("a client nominating the route's request headers gets the route's values upstream, and loses its own", async () => {
    const { client, up, sent } = await send(
      'GET /edit HTTP/1.1\r\nHost: a\r\nConnection: x-tenant, x-route-tag, via, x-secret\r\nX-Tenant: spoofed\r\nX-Route-Tag: from-client\r\nX-Secret: s\r\n\r\n',
    );
    assert.match(sent, /\r\nx-tenant: t1\r\n/);
    assert.match(sent, /\r\nx-route-tag: from-route\r\n/);
    assert.match(sent, /\r\nvia: 1\.1 edge-proxy\r\n/);
    assert.match(sent, /\r\nx-forwarded-for: 127\.0\.0\.1\r\n/);
    assert.doesNotMatch(sent, /spoofed|from-client|x-secret/i);
    await respond(up, client, 'HTTP/1.1 204 No Content\r\n\r\n');
  });

  it("an upstream nominating via and x-proxy-upstream-service-time keeps the proxy's; its nominated X-Hop goes", async () => {
    const { client, up } = await send('GET /plain HTTP/1.1\r\nHost: a\r\n\r\n');
    const head = await respond(up, client, 'HTTP/1.1 200 OK\r\nConnection: via, x-proxy-upstream-service-time, x-hop\r\nX-Hop: 1\r\nContent-Length: 0\r\n\r\n');
    assert.match(head, /\r\nvia: 1\.1 edge-proxy\r\n/);
    assert.match(head, /\r\nx-proxy-upstream-service-time: \d+\r\n/);
    assert.doesNotMatch(head, /x-hop/i);
  });

  it("an upstream nominating the route's response headers gets the route's values to the client, and loses its own", async () => {
    const { client, up } = await send('GET /edit HTTP/1.1\r\nHost: a\r\n\r\n');
    const head = await respond(
      up,
      client,
      'HTTP/1.1 200 OK\r\nConnection: x-frame-options, x-cache-tag, via, x-hop\r\nX-Frame-Options: SAMEORIGIN\r\nX-Cache-Tag: from-upstream\r\nX-Hop: 1\r\nContent-Length: 0\r\n\r\n',
    );
    assert.match(head, /\r\nx-frame-options: DENY\r\n/i);
    assert.match(head, /\r\nx-cache-tag: from-route\r\n/);
    assert.match(head, /\r\nvia: 1\.1 edge-proxy\r\n/);
    assert.match(head, /\r\nx-proxy-upstream-service-time: \d+\r\n/);
    assert.doesNotMatch(head, /SAMEORIGIN|from-upstream|x-hop/i);
  });
});

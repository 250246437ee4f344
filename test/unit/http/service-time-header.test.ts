/** x-proxy-upstream-service-time is set before the route's response edits, so a route can remove or replace it (as Envoy's). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { memoryWorkerForTests, ONE_ROUTE_CONFIG, tick } from '../../support/memory-runtime.ts';

const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

const CONFIG = ONE_ROUTE_CONFIG.replace(
  '          - match: { prefix: / }\n            cluster: origin',
  [
    '          - match: { prefix: /hidden }',
    '            cluster: origin',
    '            response_headers_to_remove: [x-proxy-upstream-service-time]',
    '          - match: { prefix: /replaced }',
    '            cluster: origin',
    '            response_headers_to_add: [{ header: { key: x-proxy-upstream-service-time, value: "0" }, append: false }]',
    '          - match: { prefix: / }',
    '            cluster: origin',
  ].join('\n'),
);

describe('the upstream service time header', () => {
  const suite = memoryWorkerForTests(CONFIG);

  async function responseHead(path: string): Promise<string> {
    const client = suite.worker.connect();
    client.feed(latin1(`GET ${path} HTTP/1.1\r\nHost: a\r\n\r\n`));
    await tick();
    const up = suite.worker.upstreams.find((u) => u.text().includes(`GET ${path} `) && !u.destroyed)!;
    up.feed(latin1('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
    await tick();
    const text = client.text();
    client.peerClose();
    return text;
  }

  it('is added to a proxied response', async () => {
    assert.match(await responseHead('/plain'), /\r\nx-proxy-upstream-service-time: \d+\r\n/);
  });

  it('is gone when the route removes it', async () => {
    assert.doesNotMatch(await responseHead('/hidden'), /x-proxy-upstream-service-time/i);
  });

  it('is replaced when the route sets it with append: false', async () => {
    const head = await responseHead('/replaced');
    assert.equal(head.match(/x-proxy-upstream-service-time/gi)?.length, 1, head);
    assert.match(head, /\r\nx-proxy-upstream-service-time: 0\r\n/);
  });
});

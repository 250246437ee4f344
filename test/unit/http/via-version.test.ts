/** R20 / RFC 9110 §7.6.3: the via the proxy adds names the version of the message it received, both ways. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type MemorySocket, memoryWorkerForTests, ONE_ROUTE_CONFIG, tick } from '../../support/memory-runtime.ts';

const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

// /edit has response header edits (the string writer); / copies the received fields.
const CONFIG = ONE_ROUTE_CONFIG.replace('    port: 1\n', '    port: 1\n    via: edge-proxy\n').replace(
  '          - match: { prefix: / }\n            cluster: origin',
  '          - match: { prefix: /edit }\n            cluster: origin\n            response_headers_to_add: [{ header: { key: x-r, value: "1" } }]\n          - match: { prefix: / }\n            cluster: origin',
);

describe('the via header', () => {
  const suite = memoryWorkerForTests(CONFIG);

  async function exchange(request: string, response: string): Promise<{ sent: string; received: string }> {
    const client: MemorySocket = suite.worker.connect();
    const counts = suite.worker.upstreams.map((u) => u.text().length);
    client.feed(latin1(request));
    await tick();
    const k = suite.worker.upstreams.findIndex((u, i) => u.text().length > (counts[i] ?? 0));
    assert.ok(k >= 0, 'forwarded');
    const up = suite.worker.upstreams[k]!;
    const sent = up.text().slice(counts[k] ?? 0);
    up.feed(latin1(response));
    if (response.startsWith('HTTP/1.0')) up.peerClose();
    await tick();
    const received = client.text();
    client.peerClose();
    return { sent, received };
  }

  for (const path of ['/plain', '/edit']) {
    it(`on a response (${path}) is 1.<minor> of the upstream's response, as on the request`, async () => {
      const r11 = await exchange(`GET ${path} HTTP/1.1\r\nHost: a\r\n\r\n`, 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
      assert.match(r11.sent, /\r\nvia: 1\.1 edge-proxy\r\n/);
      assert.match(r11.received, /\r\nvia: 1\.1 edge-proxy\r\n/);
      const r10 = await exchange(`GET ${path} HTTP/1.1\r\nHost: a\r\n\r\n`, 'HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n');
      assert.match(r10.received, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\nvia: 1\.0 edge-proxy\r\n/);
    });
  }

  it('on a request is 1.<minor> of the client request', async () => {
    const r = await exchange('GET /plain HTTP/1.0\r\nHost: a\r\n\r\n', 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n');
    assert.match(r.sent, /\r\nvia: 1\.0 edge-proxy\r\n/);
  });
});

/** R16 through the proxy: only a websocket upgrade is forwarded as one, and only its 101 opens a tunnel. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type MemorySocket, memoryWorkerForTests, ONE_ROUTE_CONFIG, tick } from '../../support/memory-runtime.ts';

const latin1 = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

// /ws allows websocket upgrades; every other path goes to the same cluster without.
const CONFIG = ONE_ROUTE_CONFIG.replace(
  '          - match: { prefix: / }\n            cluster: origin',
  '          - match: { prefix: /ws }\n            cluster: origin\n            websocket: true\n          - match: { prefix: / }\n            cluster: origin',
);

const H2C_AND_WEBSOCKET =
  'GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c, websocket\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n';

describe('upgrade requests through the proxy (R16)', () => {
  const suite = memoryWorkerForTests(CONFIG);

  async function send(raw: string): Promise<{ client: MemorySocket; up: MemorySocket }> {
    const client = suite.worker.connect();
    const counts = suite.worker.upstreams.map((u) => u.writeCount);
    client.feed(latin1(raw));
    await tick();
    const up = suite.worker.upstreams.find((u, k) => u.writeCount > (counts[k] ?? 0));
    assert.ok(up, 'forwarded');
    return { client, up };
  }

  it('an upgrade offering h2c and websocket reaches the upstream as Upgrade: websocket alone, without HTTP2-Settings', async () => {
    const { client, up } = await send(H2C_AND_WEBSOCKET);
    const sent = up.text();
    assert.match(sent, /^GET \/ws HTTP\/1\.1\r\nHost: a\r\nUpgrade: websocket\r\n/);
    assert.doesNotMatch(sent, /h2c|HTTP2-Settings/i);
    assert.match(sent, /\r\nConnection: upgrade\r\n/);
    up.feed(latin1('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: x=\r\n\r\nu0'));
    await tick();
    assert.match(client.text(), /^HTTP\/1\.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: x=\r\nConnection: upgrade\r\n\r\nu0$/);
    client.feed(latin1('c0'));
    assert.ok(up.text().endsWith('\r\n\r\nc0'), 'tunnelled');
    client.peerClose();
  });

  it('a 101 switching to h2c when websocket was asked for is a 502, and nothing is tunnelled', async () => {
    const { client, up } = await send(H2C_AND_WEBSOCKET);
    up.feed(latin1('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: h2c\r\n\r\nPRI-ish-bytes'));
    await tick();
    const text = client.text();
    assert.match(text, /^HTTP\/1\.1 502 Bad Gateway\r\n[\s\S]*\r\n\r\nupstream protocol error$/);
    assert.doesNotMatch(text, /101|PRI-ish/);
    assert.equal(up.destroyed, true, 'the upstream connection is closed, not a tunnel');
    const sent = up.text().length;
    client.feed(latin1('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'));
    await tick();
    assert.equal(up.text().length, sent, 'no client byte reaches the upstream afterwards');
    client.peerClose();
  });

  it('Upgrade: totally-not-websocket goes upstream as a plain request, without Upgrade', async () => {
    const { client, up } = await send('GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: totally-not-websocket\r\n\r\n');
    assert.doesNotMatch(up.text(), /upgrade/i);
    up.feed(latin1('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    await tick();
    assert.match(client.text(), /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok$/);
    client.peerClose();
  });

  it('a 101 to a request whose Upgrade named no websocket is a 502', async () => {
    const { client, up } = await send('GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: totally-not-websocket\r\n\r\n');
    up.feed(latin1('HTTP/1.1 101 Switching Protocols\r\nUpgrade: totally-not-websocket\r\n\r\n'));
    await tick();
    assert.match(client.text(), /^HTTP\/1\.1 502 Bad Gateway\r\n[\s\S]*upstream protocol error$/);
    assert.equal(up.destroyed, true);
    client.peerClose();
  });

  it('a websocket upgrade on a route without websocket goes upstream without Upgrade', async () => {
    const { client, up } = await send('GET /other HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    assert.doesNotMatch(up.text(), /upgrade/i);
    client.peerClose();
  });
});

describe('a websocket upgrade to an HTTP/1.0 cluster', () => {
  const suite = memoryWorkerForTests(CONFIG.replace('  - name: origin\n', '  - name: origin\n    protocol: http/1.0\n'));

  it('goes as a plain HTTP/1.0 request without Upgrade, which an HTTP/1.0 server must ignore anyway', async () => {
    const client = suite.worker.connect();
    client.feed(latin1('GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: k\r\n\r\n'));
    await tick();
    const sent = suite.worker.upstreams.at(-1)!.text();
    assert.match(sent, /^GET \/ws HTTP\/1\.0\r\n/);
    assert.doesNotMatch(sent, /upgrade/i);
  });
});

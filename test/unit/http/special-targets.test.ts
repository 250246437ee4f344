/** Request targets that are not a path: CONNECT's authority-form and `OPTIONS *` (R11, R16). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { memoryWorkerForTests, OK_RESPONSE, tick } from '../../support/memory-runtime.ts';

const enc = new TextEncoder();
const suite = memoryWorkerForTests();

describe('special request targets', () => {
  it('CONNECT is answered 405 before routing, and the connection closes', async () => {
    const client = suite.worker.connect();
    const before = suite.worker.upstreams.map((u) => u.writeCount).reduce((a, b) => a + b, 0);
    client.feed(enc.encode('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n'));
    await tick();
    assert.match(client.text(), /^HTTP\/1\.1 405 Method Not Allowed\r\n[\s\S]*Connection: close\r\n/);
    assert.equal(client.ended, true);
    assert.equal(suite.worker.upstreams.map((u) => u.writeCount).reduce((a, b) => a + b, 0), before, 'nothing went upstream');
  });

  it('OPTIONS * is routed as the server root and forwarded as OPTIONS *', async () => {
    const client = suite.worker.connect();
    const counts = suite.worker.upstreams.map((u) => u.writeCount);
    client.feed(enc.encode('OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n'));
    await tick();
    const up = suite.worker.upstreams.find((u, k) => u.writeCount > (counts[k] ?? 0));
    assert.ok(up, 'forwarded');
    assert.match(up.text(), /OPTIONS \* HTTP\/1\.1\r\n/);
    up.feed(OK_RESPONSE);
    assert.match(client.text(), /^HTTP\/1\.1 200 OK\r\n/);
    client.peerClose();
  });
});

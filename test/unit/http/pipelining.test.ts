/** Pipelined requests on one client connection: answered in order, buffered within a bound, timed like any other head. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { memoryWorkerForTests, OK_RESPONSE, ONE_ROUTE_CONFIG, startMemoryWorker, tick } from '../../support/memory-runtime.ts';

const enc = new TextEncoder();
const suite = memoryWorkerForTests();

describe('pipelined requests', () => {
  it('a rejected pipelined request is answered after the response before it, then the connection closes', async () => {
    const client = suite.worker.connect();
    const counts = suite.worker.upstreams.map((u) => u.writeCount);
    client.feed(enc.encode('GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /c HTTP/1.1\r\nHost: a\r\nX : y\r\n\r\n'));
    await tick();
    const up = suite.worker.upstreams.find((u, k) => u.writeCount > (counts[k] ?? 0));
    assert.ok(up, '/a reached an upstream');
    up.feed(OK_RESPONSE);
    const text = client.text();
    assert.match(text, /^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nokHTTP\/1\.1 400 Bad Request\r\n[\s\S]*Connection: close\r\n/);
    assert.equal(client.ended, true, 'the connection is closed after the 400');
  });
});

describe('pipelined bytes behind a request in flight', () => {
  it('stop the client being read past 64 KiB, and reading resumes once the response is done', async () => {
    const client = suite.worker.connect();
    let pauses = 0;
    let resumes = 0;
    client.pause = () => void pauses++;
    client.resume = () => void resumes++;
    const counts = suite.worker.upstreams.map((u) => u.writeCount);
    const one = 'GET /p HTTP/1.1\r\nHost: a\r\n\r\n';
    client.feed(enc.encode(one.repeat(1 + Math.ceil((32 * 1024) / one.length))));
    await tick();
    assert.equal(pauses, 0, 'under the bound: still read (a FIN stays visible)');
    client.feed(enc.encode(one.repeat(Math.ceil((40 * 1024) / one.length))));
    assert.equal(pauses, 1, 'over 64 KiB waiting: the client is not read');
    const up = suite.worker.upstreams.find((u, k) => u.writeCount > (counts[k] ?? 0));
    assert.ok(up);
    up.feed(OK_RESPONSE);
    assert.ok(resumes >= 1, 'read again once the response is done');
    client.peerClose();
  });
});

describe('a pipelined head that is still incomplete', () => {
  it('gets a 408 after request_headers_timeout, counted from when the request before it was answered', async () => {
    const yaml = ONE_ROUTE_CONFIG.replace('    port: 1\n', '    port: 1\n    request_headers_timeout: 100ms\n');
    const w = await startMemoryWorker(yaml, true);
    try {
      const client = w.connect();
      client.feed(enc.encode('GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHo'));
      await tick();
      w.upstreams[0]!.feed(OK_RESPONSE);
      await new Promise((r) => setTimeout(r, 400));
      assert.match(client.text(), /^HTTP\/1\.1 200 OK\r\n[\s\S]*okHTTP\/1\.1 408 Request Timeout\r\n/);
    } finally {
      await w.stop();
    }
  });
});

describe('pipelined requests to a client that does not read', () => {
  const config = ONE_ROUTE_CONFIG.replace(
    '          - match: { prefix: / }\n            cluster: origin',
    '          - match: { prefix: /direct }\n            direct_response: { status: 200, body: hi }\n          - match: { prefix: / }\n            cluster: origin',
  );
  const suite = memoryWorkerForTests(config);
  const request = 'GET /direct HTTP/1.1\r\nHost: a\r\n\r\n';
  const answered = (client: { text(): string }) => client.text().split('HTTP/1.1 200 OK').length - 1;

  it('waits for the drain before answering what comes after a refused write, so replies cannot pile up', async () => {
    const client = suite.worker.connect();
    client.full = true;
    client.feed(enc.encode(request.repeat(3)));
    await tick();
    assert.equal(answered(client), 1, 'the first reply was refused: the rest waits for the client to read');
    client.full = true;
    client.handler!.onDrain(); // drained, and still not reading fast enough: one more at a time
    await tick();
    assert.equal(answered(client), 2);
    client.drain();
    await tick();
    assert.equal(answered(client), 3, 'all answered once it reads');
    client.peerClose();
  });
});

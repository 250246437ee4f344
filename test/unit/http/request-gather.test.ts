/** Upstream request writes: what one client read causes (head, body, chunk framing) leaves in one write, in order. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type MemorySocket, memoryWorkerForTests, OK_RESPONSE, ONE_ROUTE_CONFIG, PairingMemorySocket, startMemoryWorker, tick } from '../../support/memory-runtime.ts';

const enc = new TextEncoder();

const suite = memoryWorkerForTests();

/** A client whose upstream connection is connected and idle (one GET answered on it). */
async function clientWithReadyUpstream(): Promise<{ client: MemorySocket; up: MemorySocket }> {
  const client = suite.worker.connect();
  const counts = suite.worker.upstreams.map((u) => u.writeCount);
  client.feed(enc.encode('GET / HTTP/1.1\r\nHost: a\r\n\r\n'));
  await tick();
  const up = suite.worker.upstreams.find((u, k) => u.writeCount > (counts[k] ?? 0));
  assert.ok(up, 'the GET reached an upstream connection');
  up.feed(OK_RESPONSE);
  return { client, up };
}

/** The text of writes [from, end) of `s`. */
function writesText(s: MemorySocket, from: number): string {
  let out = '';
  for (const w of s.writes.slice(from)) for (let i = 0; i < w.length; i++) out += String.fromCharCode(w[i]!);
  return out;
}

describe('request writes to the upstream', () => {
  it('a head and the body that came in the same client read leave in one write', async () => {
    const { client, up } = await clientWithReadyUpstream();
    const before = up.writeCount;
    client.feed(enc.encode('POST /p HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nhello world'));
    assert.equal(up.writeCount - before, 1);
    const sent = writesText(up, before);
    assert.match(sent, /^POST \/p HTTP\/1\.1\r\n/);
    assert.match(sent, /\r\nContent-Length: 11\r\n\r\nhello world$/);
    up.feed(OK_RESPONSE);
    client.peerClose();
  });

  it('a chunked body read with its head is re-framed and sent with the head in one write', async () => {
    const { client, up } = await clientWithReadyUpstream();
    const before = up.writeCount;
    client.feed(enc.encode('POST /c HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n'));
    assert.equal(up.writeCount - before, 1);
    assert.match(writesText(up, before), /\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n$/);
    up.feed(OK_RESPONSE);
    client.peerClose();
  });

  it('body bytes of a later client read go out when that read is parsed, after the head', async () => {
    const { client, up } = await clientWithReadyUpstream();
    const before = up.writeCount;
    client.feed(enc.encode('POST /later HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n0123'));
    assert.equal(up.writeCount - before, 1);
    client.feed(enc.encode('456789'));
    assert.equal(up.writeCount - before, 2);
    assert.match(writesText(up, before), /\r\n\r\n0123456789$/);
    up.feed(OK_RESPONSE);
    assert.match(client.text(), /ok$/);
    client.peerClose();
  });

  it('on a socket that pairs writes (Node), a big body piece leaves with the head in one write, uncopied', async () => {
    const fresh = await startMemoryWorker(ONE_ROUTE_CONFIG, true, true);
    try {
      const client = fresh.connect();
      client.feed(enc.encode('GET / HTTP/1.1\r\nHost: a\r\n\r\n'));
      await tick();
      const up = fresh.upstreams[0]!;
      assert.ok(up instanceof PairingMemorySocket);
      up.feed(OK_RESPONSE);
      const head = 'POST /big HTTP/1.1\r\nHost: a\r\nContent-Length: 10000\r\n\r\n';
      const body = 'b'.repeat(10_000);
      const before = up.writeCount;
      client.feed(enc.encode(head + body));
      assert.equal(up.writeCount - before, 1, 'one write');
      assert.equal(up.pairs.length, 1, 'a paired write');
      const pair = up.pairs[0]!;
      assert.match(new TextDecoder().decode(pair.lent), /^POST \/big HTTP\/1\.1\r\n[\s\S]*\r\nContent-Length: 10000\r\n\r\n$/);
      assert.equal(pair.kept.byteLength, 10_000);
      assert.equal(pair.kept.buffer.byteLength, head.length + body.length, 'the body is a view of the client read, not a copy');
      assert.equal(new TextDecoder().decode(pair.kept), body);
      up.feed(OK_RESPONSE);
      assert.match(client.text(), /ok$/);
    } finally {
      await fresh.stop();
    }
  });

  it('a connection that becomes ready later gets the head and the body received meanwhile in one write', async () => {
    const fresh = await startMemoryWorker(ONE_ROUTE_CONFIG, true);
    try {
      const client = fresh.connect();
      client.feed(enc.encode('POST /new HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nfirst'));
      await tick();
      assert.equal(fresh.upstreams.length, 1);
      const up = fresh.upstreams[0]!;
      assert.equal(up.writeCount, 1);
      assert.match(up.text(), /^POST \/new HTTP\/1\.1\r\n[\s\S]*\r\n\r\nfirst$/);
      up.feed(OK_RESPONSE);
      assert.match(client.text(), /^HTTP\/1\.1 200 OK\r\n[\s\S]*ok$/);
    } finally {
      await fresh.stop();
    }
  });

  it('a request the client abandons mid-read sends nothing it gathered', async () => {
    const { client, up } = await clientWithReadyUpstream();
    const before = up.writeCount;
    // The body is bigger than what arrives, then the client vanishes before the read is over.
    client.feed(enc.encode('POST /gone HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\npartial'));
    const sent = up.writeCount - before;
    client.peerClose();
    await tick();
    assert.equal(up.writeCount - before, sent);
    assert.equal(up.destroyed, true, 'the upstream connection of an abandoned request is reset');
  });
});

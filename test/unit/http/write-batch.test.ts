/** The write batch: what one upstream read sends to the client leaves in one write, in order, and never leaks between connections. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type MemorySocket, memoryWorkerForTests } from '../../support/memory-runtime.ts';


const enc = new TextEncoder();
const GET = enc.encode('GET / HTTP/1.1\r\nHost: a\r\n\r\n');

const suite = memoryWorkerForTests();

/** Send a request on `client` and return the upstream connection it was written to. */
async function request(client: MemorySocket): Promise<MemorySocket> {
  const before = suite.worker.upstreams.map((u) => u.writeCount);
  client.feed(GET);
  await new Promise((r) => setTimeout(r, 1));
  const i = suite.worker.upstreams.findIndex((u, k) => u.writeCount > (before[k] ?? 0));
  assert.ok(i >= 0, 'the request reached an upstream connection');
  return suite.worker.upstreams[i]!;
}

/** A 200 whose body is exactly `body` (no regex over a big body: V8 refuses very long patterns). */
function assertResponse(text: string, body: string): void {
  assert.match(text, /^HTTP\/1\.1 200 OK\r\n/);
  const end = text.indexOf('\r\n\r\n');
  assert.ok(end > 0, 'the head ends');
  assert.equal(text.length - end - 4, body.length);
  assert.ok(text.endsWith(body), 'the body is intact');
}

describe('write batch', () => {
  it('a small response (head and body in one upstream read) leaves in one write', async () => {
    const client = suite.worker.connect();
    const up = await request(client);
    up.feed(enc.encode('HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhello'));
    assert.equal(client.writeCount, 1);
    const text = client.text();
    assert.match(text, /^HTTP\/1\.1 200 OK\r\nX-A: 1\r\n/);
    assert.match(text, /\r\nContent-Length: 5\r\n\r\nhello$/);
    client.peerClose();
  });

  it('a chunked response gathers head, chunk lines and the last chunk in one write', async () => {
    const client = suite.worker.connect();
    const up = await request(client);
    up.feed(enc.encode('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n'));
    assert.equal(client.writeCount, 1);
    assert.match(client.text(), /\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n$/);
    client.peerClose();
  });

  it('a body of binary bytes read with its head is copied exactly, and the head parsed right', async () => {
    const client = suite.worker.connect();
    const up = await request(client);
    // 1,000 bytes cycling through every value: the head is decoded from the whole read, so
    // bytes above 0x7f after it must not disturb the head's fields (nor be altered).
    const body = new Uint8Array(1000);
    for (let i = 0; i < body.length; i++) body[i] = (i * 7) & 0xff;
    const head = enc.encode(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\nX-B: two\r\n\r\n`);
    const read = new Uint8Array(head.length + body.length);
    read.set(head);
    read.set(body, head.length);
    up.feed(read);
    assert.equal(client.writeCount, 1);
    const out = client.writes[0]!;
    assert.deepEqual(out.subarray(out.length - body.length), body);
    assert.match(client.text(), /^HTTP\/1\.1 200 OK\r\nX-B: two\r\n/);
    client.peerClose();
  });

  it('a 64 KiB body read with its head joins the head in one write', async () => {
    const client = suite.worker.connect();
    const up = await request(client);
    const body = 'x'.repeat(64 * 1024);
    up.feed(enc.encode(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`));
    assert.equal(client.writeCount, 1);
    assertResponse(client.text(), body);
    client.peerClose();
  });

  it('a big body piece in a read of its own is written as it is (not copied into the batch)', async () => {
    const client = suite.worker.connect();
    const up = await request(client);
    const first = 'a'.repeat(100);
    const rest = 'b'.repeat(10_000);
    up.feed(enc.encode(`HTTP/1.1 200 OK\r\nContent-Length: ${first.length + rest.length}\r\n\r\n${first}`));
    assert.equal(client.writeCount, 1);
    const piece = enc.encode(rest);
    up.feed(piece);
    assert.equal(client.writeCount, 2);
    assert.equal(client.writes[1]!.length, rest.length);
    assert.match(client.text(), new RegExp(`\\r\\n\\r\\n${first}${rest}$`));
    client.peerClose();
  });

  it('a piece too big to join the batch goes out after the gathered head, in order', async () => {
    const client = suite.worker.connect();
    const up = await request(client);
    const body = 'z'.repeat(200 * 1024);
    up.feed(enc.encode(`HTTP/1.1 200 OK\r\nContent-Length: ${body.length}\r\n\r\n${body}`));
    assert.equal(client.writeCount, 2);
    assert.equal(client.writes[1]!.length, body.length);
    assertResponse(client.text(), body);
    client.peerClose();
  });

  it('a client whose socket throws while its batch is written leaves the batch free for the next', async () => {
    const bad = suite.worker.connect();
    const upBad = await request(bad);
    const failure = new Error('socket write failed');
    bad.writeBorrowed = () => {
      throw failure;
    };
    assert.throws(() => upBad.feed(enc.encode('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nno')), failure);
    const good = suite.worker.connect();
    const up = await request(good);
    up.feed(enc.encode('HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nyes'));
    assert.equal(good.writeCount, 1, 'the next response is still gathered into one write');
    assert.match(good.text(), /\r\n\r\nyes$/);
    good.peerClose();
    bad.peerClose();
  });

  it('each connection gets only its own bytes, also when responses interleave', async () => {
    const a = suite.worker.connect();
    const upA = await request(a);
    const b = suite.worker.connect();
    const upB = await request(b);
    assert.notEqual(upA, upB);
    upB.feed(enc.encode('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nB'));
    upA.feed(enc.encode('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA'));
    assert.match(a.text(), /\r\n\r\nA$/);
    assert.match(b.text(), /\r\n\r\nB$/);
    assert.equal(a.writeCount, 1);
    assert.equal(b.writeCount, 1);
    a.peerClose();
    b.peerClose();
  });

  it('a client gone while its response was being gathered leaves the batch free for the next', async () => {
    const a = suite.worker.connect();
    const upA = await request(a);
    // Head gathered, then the client's socket closes before the body arrives.
    upA.feed(enc.encode('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab'));
    a.peerClose();
    await new Promise((r) => setTimeout(r, 1));
    const b = suite.worker.connect();
    const upB = await request(b);
    upB.feed(enc.encode('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok'));
    assert.equal(b.writeCount, 1);
    assert.match(b.text(), /^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nok$/);
    b.peerClose();
  });
});

/** Socket behaviour of the adapter for the runtime running the tests, over 127.0.0.1. */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { createAdapter } from '../../../runtime-adapters/detect.ts';
import type { Listener, Socket } from '../../../runtime-adapters/types.ts';
import { SocketError } from '../../../runtime-adapters/types.ts';
import { NODE_ACCEPT_SOCKETS } from '../../../runtime-adapters/node-listener.ts';
import { AcceptQueue, EchoHandler, Recorder, concat, within } from './recorder.ts';

const adapter = createAdapter();
const HOST = '127.0.0.1';
const encode = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Records like Recorder, and answers the peer's FIN with a reply and its own FIN. */
class ReplyOnEnd extends Recorder {
  private readonly socket: Socket;
  constructor(socket: Socket) {
    super();
    this.socket = socket;
  }
  override onEnd(): void {
    super.onEnd();
    this.socket.write(encode('bye'));
    this.socket.end();
  }
}

/** `ss` lines of the sockets listening on `port`. */
function listeningLines(port: number): string[] {
  const out = execFileSync('ss', ['-ltnH', `sport = :${port}`], { encoding: 'utf8' });
  return out.split('\n').filter((l) => l.startsWith('LISTEN'));
}

function listeningSockets(port: number): number {
  return listeningLines(port).length;
}

/** The accept queue length of the listening socket on `port`, as the kernel has it (`ss`'s Send-Q). */
function kernelAcceptQueue(port: number): number {
  const [line] = listeningLines(port);
  assert.ok(line !== undefined, `ss found no listener on ${port}`);
  return Number(line.trim().split(/\s+/)[2]);
}

function isSocketError(code: string): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof SocketError, `expected a SocketError, got ${String(err)}`);
    assert.equal(err.code, code);
    return true;
  };
}

describe(`${adapter.name} adapter: sockets`, () => {
  let listener: Listener;
  const accepted = new AcceptQueue();

  before(async () => {
    listener = await adapter.listen({ host: HOST, port: 0, reusePort: false, backlog: null }, accepted.push);
  });

  after(async () => {
    await listener.close();
  });

  async function pair(): Promise<{ client: Socket; server: Socket; clientRec: Recorder; serverRec: Recorder }> {
    const client = await adapter.connect({ host: HOST, port: listener.port, timeoutMs: 2000 });
    const server = await accepted.next();
    const clientRec = new Recorder();
    const serverRec = new Recorder();
    client.setHandler(clientRec);
    server.setHandler(serverRec);
    return { client, server, clientRec, serverRec };
  }

  /**
   * Two echo round trips on a fresh connection to the same listener: bytes written on another
   * connection before this started are by now in the server's kernel buffer, and the server's
   * event loop has run past them, so a socket that is reading would have delivered them.
   */
  async function barrier(): Promise<void> {
    const client = await adapter.connect({ host: HOST, port: listener.port, timeoutMs: 2000 });
    const server = await accepted.next();
    server.setHandler(new EchoHandler(server));
    const rec = new Recorder();
    client.setHandler(rec);
    for (let i = 1; i <= 2; i++) {
      client.write(encode('x'));
      await rec.until(() => rec.bytes === i, 'barrier echo');
    }
    client.end();
    await rec.until(() => rec.closes === 1, 'barrier close');
  }

  async function closeBoth(p: { client: Socket; server: Socket; clientRec: Recorder; serverRec: Recorder }): Promise<void> {
    p.client.destroy();
    p.server.destroy();
    await p.clientRec.until(() => p.clientRec.closes === 1, 'client close');
    await p.serverRec.until(() => p.serverRec.closes === 1, 'server close');
  }

  it('echoes bytes over loopback and reports both ends of the connection', async () => {
    const client = await adapter.connect({ host: HOST, port: listener.port, timeoutMs: 2000 });
    const server = await accepted.next();
    server.setHandler(new EchoHandler(server));
    const rec = new Recorder();
    client.setHandler(rec);

    assert.equal(client.remotePort, listener.port);
    assert.equal(server.localPort, listener.port);
    assert.equal(server.remoteAddress, HOST);
    assert.equal(server.remotePort, client.localPort);

    assert.equal(client.write(encode('hello ')), true);
    client.write(encode('world'));
    await rec.until(() => rec.bytes === 11, 'echo');
    assert.equal(rec.text(), 'hello world');

    client.end();
    await rec.until(() => rec.closes === 1, 'close after end');
    assert.deepEqual(rec.events, ['data', 'end', 'close']);
    assert.equal(rec.closeError, undefined);
  });

  it('delivers a 16 MiB write intact and in order, with later writes queued behind it', async () => {
    const p = await pair();
    p.serverRec.keepChunks = true;
    const size = 16 * 1024 * 1024;
    const payload = new Uint8Array(size);
    const words = new Uint32Array(payload.buffer);
    for (let i = 0; i < words.length; i++) words[i] = i;

    p.client.write(payload);
    p.client.write(encode('tail'));
    p.client.end();
    await p.serverRec.until(() => p.serverRec.ends === 1, 'server sees FIN', 10_000);

    assert.equal(p.serverRec.bytes, size + 4);
    const got = concat(p.serverRec.chunks);
    const gotWords = new Uint32Array(got.buffer, 0, words.length);
    let firstBad = -1;
    for (let i = 0; i < gotWords.length; i++) {
      if (gotWords[i] !== i) {
        firstBad = i;
        break;
      }
    }
    assert.equal(firstBad, -1, `word ${firstBad} is out of place`);
    assert.equal(new TextDecoder().decode(got.subarray(size)), 'tail');

    p.server.end();
    await p.clientRec.until(() => p.clientRec.closes === 1, 'client close');
    await p.serverRec.until(() => p.serverRec.closes === 1, 'server close');
  });

  it('writePair (Node only): lent bytes arrive as they were lent, then the kept ones, in order', async () => {
    const pairWrite = (s: Socket, lent: Uint8Array, kept: Uint8Array): boolean => s.writePair!(lent, kept);
    const p = await pair();
    if (adapter.name !== 'node') {
      assert.equal(p.client.writePair, undefined, `${adapter.name} joins by copy instead`);
      p.client.destroy();
      p.server.destroy();
      return;
    }
    p.serverRec.keepChunks = true;
    // 4 MiB kept behind a lent head: more than the kernel takes at once, so both are queued.
    const scratch = encode('HEAD|');
    const kept = new Uint8Array(4 * 1024 * 1024);
    for (let i = 0; i < kept.length; i++) kept[i] = i & 0xff;
    pairWrite(p.client, scratch, kept);
    scratch.fill(0x21);
    p.client.write(encode('|tail'));
    p.client.end();
    await p.serverRec.until(() => p.serverRec.ends === 1, 'server sees FIN', 10_000);
    const got = concat(p.serverRec.chunks);
    assert.equal(got.length, 5 + kept.length + 5);
    assert.equal(new TextDecoder().decode(got.subarray(0, 5)), 'HEAD|', 'the lent bytes as they were lent');
    assert.deepEqual(got.subarray(5, 5 + kept.length), kept);
    assert.equal(new TextDecoder().decode(got.subarray(5 + kept.length)), '|tail');
    p.server.end();
    await p.serverRec.until(() => p.serverRec.closes === 1, 'server close');
  });

  it('writeBorrowed: bytes the caller overwrites right after the call still arrive as they were lent', async () => {
    const p = await pair();
    p.serverRec.keepChunks = true;
    // 8 MiB is more than the kernel takes at once, so part of it must be kept (copied) by the adapter.
    const size = 8 * 1024 * 1024;
    const scratch = new Uint8Array(size + 16);
    const words = new Uint32Array(scratch.buffer, 0, size / 4);
    for (let i = 0; i < words.length; i++) words[i] = i;
    p.client.writeBorrowed(scratch.subarray(0, size));
    scratch.fill(0xee);
    // A second borrowed write while the first is still queued is copied too, and keeps its place.
    scratch.set(encode('tail'), 0);
    p.client.writeBorrowed(scratch.subarray(0, 4));
    scratch.fill(0xdd);
    p.client.end();
    await p.serverRec.until(() => p.serverRec.ends === 1, 'server sees FIN', 10_000);

    assert.equal(p.serverRec.bytes, size + 4);
    const got = concat(p.serverRec.chunks);
    const gotWords = new Uint32Array(got.buffer, 0, size / 4);
    let firstBad = -1;
    for (let i = 0; i < gotWords.length; i++) {
      if (gotWords[i] !== i) {
        firstBad = i;
        break;
      }
    }
    assert.equal(firstBad, -1, `word ${firstBad} is not what was lent`);
    assert.equal(new TextDecoder().decode(got.subarray(size)), 'tail');

    p.server.end();
    await p.clientRec.until(() => p.clientRec.closes === 1, 'client close');
    await p.serverRec.until(() => p.serverRec.closes === 1, 'server close');
  });

  it('still drains writes while reads are paused (an echo that pauses on backpressure moves 16 MiB)', async () => {
    const client = await adapter.connect({ host: HOST, port: listener.port, timeoutMs: 2000 });
    const server = await accepted.next();
    let backedUp!: () => void;
    const echoBackedUp = new Promise<void>((resolve) => { backedUp = resolve; });
    const echo = new EchoHandler(server, () => backedUp());
    server.setHandler(echo);
    const rec = new Recorder();
    rec.keepChunks = true;
    client.setHandler(rec);
    const size = 16 * 1024 * 1024;
    const payload = new Uint8Array(size);
    for (let i = 0; i < size; i += 4096) payload[i] = (i >>> 12) & 0xff;

    // The client does not read until the echo side has stopped reading because its writes are
    // stuck; from then on the echo side only moves again if its paused socket still drains.
    client.pause();
    client.write(payload);
    client.end();
    await within(echoBackedUp, 'the echo side to back up');
    client.resume();
    await rec.until(() => rec.closes === 1, 'echoed payload and close', 10_000);
    assert.equal(rec.bytes, size);
    assert.equal(rec.closeError, undefined);
    const got = concat(rec.chunks);
    for (let i = 0; i < size; i += 4096) assert.equal(got[i], (i >>> 12) & 0xff, `byte ${i}`);
  });

  it('keeps every delivered chunk intact after later reads (chunks are never reused)', async () => {
    const p = await pair();
    p.serverRec.keepChunks = true;
    const rounds = 40;
    const size = 4096;
    for (let i = 0; i < rounds; i++) {
      p.client.write(new Uint8Array(size).fill(i));
      await p.serverRec.until(() => p.serverRec.bytes === (i + 1) * size, `round ${i}`);
    }
    assert.ok(p.serverRec.chunks.length >= rounds, 'each round is its own read');
    const got = concat(p.serverRec.chunks);
    for (let i = 0; i < rounds; i++) {
      const piece = got.subarray(i * size, (i + 1) * size);
      assert.ok(piece.every((b) => b === i), `round ${i} bytes were overwritten`);
    }
    await closeBoth(p);
  });

  it('returns false from write while a slow peer lags, then fires onDrain once it catches up', async () => {
    const p = await pair();
    p.serverRec.keepChunks = false;
    p.server.pause();
    // Far more than loopback socket buffers hold while the reader is not reading.
    const size = 48 * 1024 * 1024;

    assert.equal(p.client.write(new Uint8Array(size)), false);
    await barrier();
    assert.equal(p.clientRec.drains, 0, 'no drain while the peer is not reading');
    assert.ok(p.client.bufferedAmount > 0, 'bytes are still held for the kernel');
    assert.equal(p.serverRec.bytes, 0);

    p.server.resume();
    await p.clientRec.until(() => p.clientRec.drains === 1, 'drain', 10_000);
    assert.equal(p.client.bufferedAmount, 0);
    await p.serverRec.until(() => p.serverRec.bytes === size, 'all bytes', 10_000);
    await closeBoth(p);
  });

  it('stops onData while paused and delivers what arrived once resumed', async () => {
    const p = await pair();
    p.client.write(encode('ping'));
    await p.serverRec.until(() => p.serverRec.bytes === 4, 'ping');

    p.server.pause();
    p.client.write(encode('more'));
    p.client.end();
    await barrier();
    assert.equal(p.serverRec.bytes, 4, 'nothing delivered while paused');
    assert.equal(p.serverRec.ends, 0, 'no FIN delivered while paused');

    p.server.resume();
    await p.serverRec.until(() => p.serverRec.ends === 1, 'resume delivers data then FIN');
    assert.equal(p.serverRec.text(), 'pingmore');
    assert.deepEqual(p.serverRec.events, ['data', 'end']);
    p.server.end();
    await p.serverRec.until(() => p.serverRec.closes === 1, 'server close');
    await p.clientRec.until(() => p.clientRec.closes === 1, 'client close');
  });

  it('half-closes: the peer sees onEnd, replies, and its end closes both sides cleanly', async () => {
    const client = await adapter.connect({ host: HOST, port: listener.port, timeoutMs: 2000 });
    const server = await accepted.next();
    const serverRec = new ReplyOnEnd(server);
    server.setHandler(serverRec);
    const clientRec = new Recorder();
    client.setHandler(clientRec);

    client.write(encode('hi'));
    client.end();
    await clientRec.until(() => clientRec.closes === 1, 'client close');
    await serverRec.until(() => serverRec.closes === 1, 'server close');

    assert.equal(serverRec.text(), 'hi');
    assert.deepEqual(serverRec.events, ['data', 'end', 'close']);
    assert.equal(clientRec.text(), 'bye');
    assert.deepEqual(clientRec.events, ['data', 'end', 'close']);
    assert.equal(clientRec.closeError, undefined);
    assert.equal(serverRec.closeError, undefined);
  });

  it('destroy closes the socket at once, exactly once, and the peer sees the close', async () => {
    const p = await pair();
    p.client.write(encode('unsent maybe'));
    p.client.destroy();
    assert.doesNotThrow(() => p.client.write(encode('after destroy')));
    p.client.destroy();
    p.client.end();

    await p.clientRec.until(() => p.clientRec.closes === 1, 'client close');
    assert.equal(p.clientRec.closeError, undefined);
    await p.serverRec.until(() => p.serverRec.closes === 1 || p.serverRec.ends === 1, 'server sees the close');
    if (p.serverRec.closes === 0) {
      // Deno cannot send an RST, so its destroy reaches the peer as a FIN.
      assert.equal(adapter.name, 'deno', 'Bun and Node reset the connection');
      p.server.end();
      await p.serverRec.until(() => p.serverRec.closes === 1, 'server close after its own end');
    }
    const peerError = p.serverRec.closeError;
    assert.ok(peerError === undefined || peerError.code === 'ECONNRESET', `peer close error: ${String(peerError)}`);

    await barrier();
    assert.equal(p.clientRec.closes, 1);
    assert.equal(p.serverRec.closes, 1);
  });

  it('close sends a FIN, not a reset: the peer sees the end and a clean close', async () => {
    const p = await pair();
    p.client.write(encode('last'));
    await p.serverRec.until(() => p.serverRec.bytes === 4, 'server has the bytes');
    p.client.close();
    assert.doesNotThrow(() => p.client.write(encode('after close')));
    p.client.close();
    await p.clientRec.until(() => p.clientRec.closes === 1, 'client close');
    assert.equal(p.clientRec.closeError, undefined);
    await p.serverRec.until(() => p.serverRec.ends === 1, 'server sees the FIN');
    p.server.end();
    await p.serverRec.until(() => p.serverRec.closes === 1, 'server close');
    assert.equal(p.serverRec.closeError, undefined, 'no ECONNRESET: the close was clean');
    await barrier();
    assert.equal(p.clientRec.closes, 1);
  });

  it('events that arrive before setHandler are held for the handler', async () => {
    const client = await adapter.connect({ host: HOST, port: listener.port, timeoutMs: 2000 });
    const server = await accepted.next();
    client.write(encode('early'));
    client.end();
    await barrier();
    const rec = new Recorder();
    server.setHandler(rec);
    await rec.until(() => rec.ends === 1, 'held data and FIN');
    assert.equal(rec.text(), 'early');
    server.end();
    await rec.until(() => rec.closes === 1, 'server close');
    const clientRec = new Recorder();
    client.setHandler(clientRec);
    await clientRec.until(() => clientRec.closes === 1, 'client close');
  });

  it('rejects a connect to a closed port with ECONNREFUSED', async () => {
    const closed = await adapter.listen({ host: HOST, port: 0, reusePort: false, backlog: null }, (s) => s.destroy());
    const port = closed.port;
    await closed.close();
    await assert.rejects(adapter.connect({ host: HOST, port, timeoutMs: 2000 }), isSocketError('ECONNREFUSED'));
  });

  it('rejects a connect with ETIMEDOUT when the listener never answers the SYN', async () => {
    const gate = new SharedArrayBuffer(4);
    const worker = adapter.spawnWorker(new URL('./fixtures/blocked-listener.ts', import.meta.url).href, { gate });
    const opened: Socket[] = [];
    try {
      const port = await within(new Promise<number>((resolve) => {
        worker.onMessage((m) => {
          const msg = m as { port?: number };
          if (msg.port !== undefined) resolve(msg.port);
        });
      }), 'the blocked listener port');
      // Fill the accept queue (2 connections on Node and Deno, 513 on Bun); the next SYN is dropped.
      let timedOut: SocketError | undefined;
      let elapsed = 0;
      for (let i = 0; i < 600 && timedOut === undefined; i++) {
        const started = adapter.now();
        try {
          opened.push(await adapter.connect({ host: HOST, port, timeoutMs: 150 }));
        } catch (err) {
          assert.ok(err instanceof SocketError);
          timedOut = err;
          elapsed = adapter.now() - started;
        }
      }
      assert.ok(timedOut !== undefined, 'a connect timed out');
      assert.equal(timedOut.code, 'ETIMEDOUT');
      assert.ok(elapsed >= 140, `gave up after ${elapsed.toFixed(0)} ms, not before the timeout`);
    } finally {
      Atomics.store(new Int32Array(gate), 0, 1);
      Atomics.notify(new Int32Array(gate), 0);
      for (const s of opened) s.destroy();
      await worker.terminate();
    }
  });

  it('binds a second listener to the same port with reusePort', async () => {
    const first = await adapter.listen({ host: HOST, port: 0, reusePort: true, backlog: null }, (s) => s.destroy());
    try {
      assert.notEqual(first.port, 0, 'port 0 picks a free port, and the listener says which');
      // Every socket of the listener is on that port (Node opens several: node-listener.ts).
      assert.equal(listeningSockets(first.port), adapter.name === 'node' ? NODE_ACCEPT_SOCKETS : 1);
      if (adapter.listeningModel === 'reuseport') {
        const second = await adapter.listen({ host: HOST, port: first.port, reusePort: true, backlog: null }, (s) => s.destroy());
        assert.equal(second.port, first.port);
        await second.close();
      } else {
        await assert.rejects(
          adapter.listen({ host: HOST, port: first.port, reusePort: true, backlog: null }, (s) => s.destroy()),
          isSocketError('EADDRINUSE'),
        );
      }
    } finally {
      await first.close();
    }
  });

  it('asks the kernel for the accept queue it is given (Node), or says which one the runtime always asks for', async () => {
    const somaxconn = Number(readFileSync('/proc/sys/net/core/somaxconn', 'utf8').trim());
    for (const backlog of [100, null]) {
      const l = await adapter.listen({ host: HOST, port: 0, reusePort: false, backlog }, (s) => s.destroy());
      try {
        const expected = adapter.fixedAcceptQueue ?? Math.min(backlog ?? somaxconn, somaxconn);
        assert.equal(kernelAcceptQueue(l.port), expected, `backlog ${backlog} on ${adapter.name}`);
      } finally {
        await l.close();
      }
    }
  });

  it('accepts a burst of connections within a few turns of a busy event loop, not one connection per turn', async () => {
    const BURST = 200;
    const TURN_MS = 2;
    let accepted = 0;
    const server: Socket[] = [];
    const l = await adapter.listen({ host: HOST, port: 0, reusePort: false, backlog: null }, (s) => {
      accepted++;
      server.push(s);
    });
    const clients = Array.from({ length: BURST }, () => adapter.connect({ host: HOST, port: l.port, timeoutMs: 10_000 }));
    try {
      // Each turn of the event loop costs TURN_MS, as it does in a worker serving other
      // connections: setImmediate runs once per turn, after the turn's I/O.
      let turns = 0;
      while (accepted < BURST && turns < BURST) {
        const end = adapter.now() + TURN_MS;
        while (adapter.now() < end) {
          // busy: the work of the other connections
        }
        await new Promise((resolve) => setImmediate(resolve));
        turns++;
      }
      assert.equal(accepted, BURST, `accepted ${accepted} of ${BURST} in ${turns} turns`);
      // One per turn is what libuv does with one listening socket (Node before this adapter opened several).
      assert.ok(turns <= BURST / 2, `${BURST} connections took ${turns} turns of the loop to accept`);
    } finally {
      for (const c of await Promise.allSettled(clients)) if (c.status === 'fulfilled') c.value.destroy();
      for (const s of server) s.destroy();
      await l.close();
    }
  });

  it('refuses a second listener on the same port without reusePort with EADDRINUSE', async () => {
    const first = await adapter.listen({ host: HOST, port: 0, reusePort: false, backlog: null }, (s) => s.destroy());
    try {
      await assert.rejects(
        adapter.listen({ host: HOST, port: first.port, reusePort: false, backlog: null }, (s) => s.destroy()),
        isSocketError('EADDRINUSE'),
      );
    } finally {
      await first.close();
    }
  });
});

/**
 * Issue 5 acceptance 4: a reader that stops for 3 s pauses the other side instead of filling the
 * proxy's memory — a slow client pauses a 50 MiB download, a slow upstream pauses a 50 MiB upload —
 * and every byte arrives intact once reading resumes.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { endpoint, prefixRoute, proxyConfig } from './support/config.ts';
import { freePort, RUNTIMES, startProxy, type ProxyProcess } from './support/proxy-process.ts';
import { rawResponse, startRawUpstream, type RawExchange, type RawUpstream } from './support/raw-upstream.ts';
import { rawConnect } from './support/raw-client.ts';
import { rssKiB } from './support/proxy-observe.ts';

const MiB = 1024 * 1024;
const BLOCK = randomBytes(MiB);
const TOTAL_MIB = 50;
const STALL_MS = 3000;
/** The acceptance bound on the proxy's RSS growth while a reader stalls. */
const MAX_GROWTH_KIB = 16 * 1024;

/** sha256 of BLOCK repeated `n` times. */
function expectedHash(n: number): string {
  const h = createHash('sha256');
  for (let i = 0; i < n; i++) h.update(BLOCK);
  return h.digest('hex');
}
const HASH_FULL = expectedHash(TOTAL_MIB);

/** Response bytes the upstream has handed to its socket (download) — how far backpressure let it get. */
let upstreamWritten = 0;
/** Called when the upload upstream starts reading again (the end of its stall). */
let onUploadResume: () => void = () => {};

/** Writes BLOCK `n` times, honouring backpressure; `onBlock` after each accepted block. */
async function writeBlocks(socket: Socket, n: number, onBlock?: () => void): Promise<void> {
  for (let i = 0; i < n; i++) {
    if (socket.destroyed) throw new Error('socket closed while writing');
    const ok = socket.write(BLOCK);
    onBlock?.();
    if (!ok) await once(socket, 'drain');
  }
}

/**
 * /download/<mib>: a Content-Length response of BLOCK × mib, written with backpressure.
 * /upload: pauses reading for STALL_MS after the head, then reads the body, answers its sha256.
 */
function behaviour(ex: RawExchange, up: RawUpstream): void {
  const m = /^\/download\/(\d+)$/.exec(ex.path);
  if (m) {
    const n = Number(m[1]);
    ex.socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: ${n * MiB}\r\n\r\n`);
    upstreamWritten = 0;
    writeBlocks(ex.socket, n, () => (upstreamWritten += MiB)).catch(() => {});
    return;
  }
  if (ex.path.startsWith('/upload')) {
    const already = ex.takeOver();
    const stall = ex.path === '/upload/stall' ? STALL_MS : 0;
    const h = createHash('sha256');
    let got = already.length;
    h.update(already);
    const onData = (d: Buffer): void => {
      h.update(d);
      got += d.length;
      if (got >= ex.contentLength) {
        ex.socket.off('data', onData);
        ex.socket.write(rawResponse(200, `${got} ${h.digest('hex')}`, 'connection: close\r\n'));
      }
    };
    if (got >= ex.contentLength) return onData(Buffer.alloc(0));
    ex.socket.on('data', onData);
    setTimeout(() => {
      onUploadResume();
      ex.socket.resume();
    }, stall);
    return;
  }
  void up;
  ex.socket.write(rawResponse(404, 'no such path'));
}

/** Samples the proxy's RSS every 50 ms until stopped; returns the peak. */
function sampleRss(pid: number): { stop(): number } {
  let peak = rssKiB(pid);
  const t = setInterval(() => {
    peak = Math.max(peak, rssKiB(pid));
  }, 50);
  return {
    stop: () => {
      clearInterval(t);
      return Math.max(peak, rssKiB(pid));
    },
  };
}

/** Reads a response head off `socket`; resolves with the bytes after it. */
async function readHead(socket: Socket): Promise<{ status: number; headers: string; rest: Buffer }> {
  let buf = Buffer.alloc(0);
  for (;;) {
    const [chunk] = (await once(socket, 'data')) as [Buffer];
    buf = Buffer.concat([buf, chunk]);
    const end = buf.indexOf('\r\n\r\n');
    if (end >= 0) {
      const head = buf.subarray(0, end).toString('latin1');
      return { status: Number(head.split(' ')[1]), headers: head.toLowerCase(), rest: buf.subarray(end + 4) };
    }
  }
}

/** A download through the proxy, hashed; `stallAfter` bytes in, the client stops reading for STALL_MS. */
async function download(
  port: number,
  mib: number,
  pid: number,
  stallAfter: number,
): Promise<{ hash: string; bytes: number; peakKiB: number; upstreamWrittenDuringStall: number }> {
  const socket = await rawConnect(port);
  socket.on('error', () => {});
  socket.write(`GET /download/${mib} HTTP/1.1\r\nhost: test\r\n\r\n`);
  const head = await readHead(socket);
  assert.equal(head.status, 200);
  assert.ok(head.headers.includes(`content-length: ${mib * MiB}`), head.headers);
  const h = createHash('sha256');
  let bytes = 0;
  let peakKiB = 0;
  let upstreamWrittenDuringStall = 0;
  const total = mib * MiB;
  const take = (d: Buffer): void => {
    h.update(d);
    bytes += d.length;
  };
  take(head.rest);
  await new Promise<void>((resolve, reject) => {
    let stalled = false;
    const timer = setTimeout(() => reject(new Error(`download stuck at ${bytes} of ${total} bytes`)), 30_000);
    const onData = (d: Buffer): void => {
      take(d);
      if (bytes >= total) {
        clearTimeout(timer);
        socket.off('data', onData);
        resolve();
        return;
      }
      if (!stalled && stallAfter > 0 && bytes >= stallAfter) {
        stalled = true;
        socket.pause();
        const rss = sampleRss(pid);
        setTimeout(() => {
          peakKiB = rss.stop();
          upstreamWrittenDuringStall = upstreamWritten;
          socket.resume();
        }, STALL_MS);
      }
    };
    socket.on('data', onData);
    socket.on('close', () => {
      clearTimeout(timer);
      if (bytes < total) reject(new Error(`connection closed after ${bytes} of ${total} bytes`));
    });
  });
  socket.destroy();
  return { hash: h.digest('hex'), bytes, peakKiB, upstreamWrittenDuringStall };
}

/** POSTs BLOCK × mib to `path`; resolves with the upstream's answer (`<bytes> <sha256>`) and how long writing took. */
async function upload(port: number, mib: number, path: string, onWritten?: (bytes: number) => void): Promise<{ answer: string; tookMs: number }> {
  const socket = await rawConnect(port);
  socket.on('error', () => {});
  socket.write(`POST ${path} HTTP/1.1\r\nhost: test\r\ncontent-length: ${mib * MiB}\r\n\r\n`);
  const started = Date.now();
  const head = readHead(socket);
  let written = 0;
  await writeBlocks(socket, mib, () => onWritten?.((written += MiB)));
  const tookMs = Date.now() - started;
  const res = await head;
  assert.equal(res.status, 200);
  let body = res.rest;
  const deadline = Date.now() + 5000;
  while (!body.toString().includes(' ') || body.length < 64 + 2) {
    if (Date.now() > deadline) break;
    const [d] = (await once(socket, 'data')) as [Buffer];
    body = Buffer.concat([body, d]);
  }
  socket.destroy();
  return { answer: body.toString(), tookMs };
}

function configFor(port: number, upstreamPort: number): string {
  return proxyConfig({
    port,
    routes: [prefixRoute('/', 'bulk', { timeout: '30s' })],
    clusters: [{ name: 'bulk', endpoints: [endpoint(upstreamPort)] }],
  });
}

for (const runtime of RUNTIMES) {
  describe(`backpressure on ${runtime}`, () => {
    let proxy: ProxyProcess | undefined;
    let upstream: RawUpstream | undefined;
    let port = 0;
    let pid = 0;

    before(async () => {
      upstream = await startRawUpstream(behaviour);
      port = await freePort();
      proxy = await startProxy({ runtime, config: configFor(port, upstream.port) });
      pid = proxy.child.pid!;
      // Warm up both directions so the baseline RSS includes the runtime's steady-state heap.
      await download(port, 8, pid, 0);
      await upload(port, 8, '/upload');
    });

    after(async () => {
      if (proxy) await proxy.stop();
      await upstream?.close();
    });

    it(`a client that stops reading for 3 s keeps the proxy's RSS growth under 16 MiB and then gets all ${TOTAL_MIB} MiB intact`, async (t) => {
      const baseline = rssKiB(pid);
      const r = await download(port, TOTAL_MIB, pid, 2 * MiB);
      const growth = r.peakKiB - baseline;
      t.diagnostic(`RSS baseline ${baseline} KiB, growth ${growth} KiB; upstream had written ${r.upstreamWrittenDuringStall / MiB} MiB at the end of the stall`);
      // Socket buffers on the path (upstream send, proxy receive and send, client receive) hold
      // a few MiB each; the upstream must have been stopped well short of the whole body.
      assert.ok(r.upstreamWrittenDuringStall < TOTAL_MIB * MiB, 'the stalled client paused the upstream');
      assert.ok(growth < MAX_GROWTH_KIB, `proxy RSS grew by ${growth} KiB during the stall (baseline ${baseline} KiB)`);
      assert.equal(r.bytes, TOTAL_MIB * MiB);
      assert.equal(r.hash, HASH_FULL, 'the body arrives intact');
    });

    it(`an upstream that stops reading for 3 s pauses a ${TOTAL_MIB} MiB upload without growing the proxy's RSS by 16 MiB, and every byte arrives`, async (t) => {
      const baseline = rssKiB(pid);
      const rss = sampleRss(pid);
      let clientWritten = 0;
      let peak = 0;
      let writtenDuringStall = -1;
      onUploadResume = () => {
        peak = rss.stop();
        writtenDuringStall = clientWritten;
      };
      const r = await upload(port, TOTAL_MIB, '/upload/stall', (n) => (clientWritten = n));
      onUploadResume = () => {};
      const growth = peak - baseline;
      t.diagnostic(`RSS baseline ${baseline} KiB, growth ${growth} KiB; client had written ${writtenDuringStall / MiB} MiB at the end of the stall; upload took ${r.tookMs} ms`);
      assert.ok(writtenDuringStall >= 0 && writtenDuringStall < TOTAL_MIB * MiB, 'the stalled upstream paused the client');
      assert.ok(r.tookMs >= STALL_MS - 200, `the upload was held back while the upstream did not read (took ${r.tookMs} ms)`);
      assert.ok(growth < MAX_GROWTH_KIB, `proxy RSS grew by ${growth} KiB during the upload stall (baseline ${baseline} KiB)`);
      assert.equal(r.answer, `${TOTAL_MIB * MiB} ${HASH_FULL}`, 'the upstream received every byte intact');
    });
  });
}

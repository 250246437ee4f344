/** Issue 5, acceptance 1: curl and fetch through the proxy — methods, big bodies both ways, keep-alive, HTTP/1.0, pipelining, 100-continue, WebSocket. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { endpoint, prefixRoute, proxyConfig } from './support/config.ts';
import { freePort, RUNTIMES, startProxy, type ProxyProcess } from './support/proxy-process.ts';
import { startUpstream, type Upstream } from './support/upstreams.ts';
import { attachWebSocketEcho, decodeFrames, encodeClientFrame, type WebSocketEchoStats } from './support/websocket.ts';

const CURL = '/usr/bin/curl';
const BIG = 10 * 1024 * 1024;
const PIECE = 64 * 1024;
const WAIT_MS = 10_000;

// One 10 MiB payload for every upload and the streamed download, written once as curl's upload file.
const DATA = randomBytes(BIG);
const DATA_SHA = sha256(DATA);
const TMP = mkdtempSync(join(tmpdir(), 'proxying-e2e-'));
const UPLOAD_FILE = join(TMP, 'upload.bin');
writeFileSync(UPLOAD_FILE, DATA);

function sha256(b: Uint8Array): string {
  return createHash('sha256').update(b).digest('hex');
}

// ------------------------------------------------------------------ upstream

/** What /upload reports about the request it received. */
interface UploadReport {
  size: number;
  sha256: string;
  te: string | null;
  cl: string | null;
  expect: string | null;
}

/**
 * /hello: 11 bytes with Content-Length (also for HEAD); /upload: size + sha256 of the body;
 * /stream: DATA (or its first `size` bytes) written in 64 KiB pieces with backpressure, no length;
 * /echo?n=&delay=: `echo n` after an optional delay.
 */
function mainHandler(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://upstream');
  if (url.pathname === '/upload') {
    const hash = createHash('sha256');
    let size = 0;
    req.on('data', (d: Buffer) => {
      size += d.length;
      hash.update(d);
    });
    req.on('end', () => {
      const report: UploadReport = {
        size,
        sha256: hash.digest('hex'),
        te: req.headers['transfer-encoding'] ?? null,
        cl: req.headers['content-length'] ?? null,
        expect: req.headers.expect ?? null,
      };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(report));
    });
    return;
  }
  req.resume();
  if (url.pathname === '/hello') {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '11' });
    res.end(req.method === 'HEAD' ? undefined : 'hello world');
  } else if (url.pathname === '/stream') {
    const size = Number(url.searchParams.get('size') ?? BIG);
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    let off = 0;
    const pump = (): void => {
      while (off < size) {
        const end = Math.min(off + PIECE, size);
        const ok = res.write(DATA.subarray(off, end));
        off = end;
        if (!ok) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  } else if (url.pathname === '/echo') {
    const n = url.searchParams.get('n') ?? '';
    const delay = Number(url.searchParams.get('delay') ?? 0);
    setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`echo ${n}`);
    }, delay);
  } else {
    res.writeHead(404, { 'content-length': '0' });
    res.end();
  }
}

function configYaml(port: number, main: Upstream, ka: Upstream): string {
  return proxyConfig({
    port,
    drainTimeout: '1s',
    routes: [prefixRoute('/ka/', 'keepalive'), prefixRoute('/', 'main', { websocket: true })],
    clusters: [
      { name: 'main', endpoints: [endpoint(main.port)] },
      { name: 'keepalive', endpoints: [endpoint(ka.port)] },
    ],
  });
}

// ------------------------------------------------------------------ clients

/** fetch with a bound: a hung proxy fails the test instead of stalling the run. */
function fetchT(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(20_000) });
}

interface CurlResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

function curl(args: string[], timeoutMs = 30_000): Promise<CurlResult> {
  return new Promise((resolve) => {
    execFile(CURL, ['-sS', '--max-time', String(timeoutMs / 1000), ...args], { encoding: 'buffer', maxBuffer: 4 * BIG, timeout: timeoutMs + 5000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0;
      resolve({ code, stdout, stderr: stderr.toString('utf8') });
    });
  });
}

/** Headers written by `curl -D -`, the last head only (a 100 Continue comes first). */
function curlHeaders(out: string): { status: number; headers: Map<string, string> } {
  const heads = out.split('\r\n\r\n').filter((h) => h.startsWith('HTTP/'));
  const last = heads[heads.length - 1] ?? '';
  const lines = last.split('\r\n');
  const headers = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers.set(l.slice(0, i).trim().toLowerCase(), l.slice(i + 1).trim());
  }
  return { status: Number(lines[0]?.split(' ')[1]), headers };
}

/** A raw HTTP/1 response as read off the socket. */
interface RawResponse {
  status: number;
  headers: Map<string, string>;
  body: Buffer;
}

/**
 * Parses one response at the start of `buf`; null when more bytes are needed. `eof`: the peer
 * closed, so a body without framing ends here.
 */
function parseResponse(buf: Buffer, method: string, eof: boolean): { res: RawResponse; used: number } | null {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd < 0) return null;
  const lines = buf.subarray(0, headEnd).toString('latin1').split('\r\n');
  const status = Number(lines[0]!.split(' ')[1]);
  const headers = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    const k = l.slice(0, i).trim().toLowerCase();
    const v = l.slice(i + 1).trim();
    headers.set(k, headers.has(k) ? `${headers.get(k)}, ${v}` : v);
  }
  const start = headEnd + 4;
  if ((status >= 100 && status < 200) || status === 204 || status === 304 || method === 'HEAD') {
    return { res: { status, headers, body: Buffer.alloc(0) }, used: start };
  }
  if (headers.get('transfer-encoding')?.toLowerCase() === 'chunked') {
    const parts: Buffer[] = [];
    let off = start;
    for (;;) {
      const lineEnd = buf.indexOf('\r\n', off);
      if (lineEnd < 0) return null;
      const size = parseInt(buf.subarray(off, lineEnd).toString('latin1'), 16);
      if (size === 0) {
        if (buf.length < lineEnd + 4) return null; // no trailers expected: CRLF ends it
        return { res: { status, headers, body: Buffer.concat(parts) }, used: lineEnd + 4 };
      }
      if (buf.length < lineEnd + 2 + size + 2) return null;
      parts.push(buf.subarray(lineEnd + 2, lineEnd + 2 + size));
      off = lineEnd + 2 + size + 2;
    }
  }
  const cl = headers.get('content-length');
  if (cl !== undefined) {
    const n = Number(cl);
    if (buf.length < start + n) return null;
    return { res: { status, headers, body: buf.subarray(start, start + n) }, used: start + n };
  }
  if (!eof) return null;
  return { res: { status, headers, body: buf.subarray(start) }, used: buf.length };
}

/** A raw client socket that collects what it reads and can wait (bounded) for conditions on it. */
class RawClient {
  buf: Buffer = Buffer.alloc(0);
  ended = false;
  private readonly socket: Socket;
  private waiters = new Set<() => void>();

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.notify();
    });
    const done = (): void => {
      this.ended = true;
      this.notify();
    };
    socket.on('end', done);
    socket.on('close', done);
    socket.on('error', done);
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ host: '127.0.0.1', port }, () => resolve(new RawClient(s)));
      s.once('error', reject);
    });
  }

  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Waits until `pred` holds, failing after `timeoutMs`. */
  until(pred: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
    if (pred()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!pred()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for ${what}; read so far: ${JSON.stringify(this.buf.subarray(0, 400).toString('latin1'))}, ended=${this.ended}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  /** Reads `methods.length` responses in order (waits for each to be complete). */
  async responses(methods: string[]): Promise<RawResponse[]> {
    const out: RawResponse[] = [];
    let off = 0;
    for (const m of methods) {
      let parsed: { res: RawResponse; used: number } | null = null;
      await this.until(() => (parsed = parseResponse(this.buf.subarray(off), m, this.ended)) !== null || this.ended, `response to ${m} #${out.length + 1}`);
      const p = parsed as unknown as { res: RawResponse; used: number } | null;
      if (p === null) throw new Error(`connection closed before a whole response to ${m} #${out.length + 1}; read: ${JSON.stringify(this.buf.subarray(off, off + 400).toString('latin1'))}`);
      out.push(p.res);
      off += p.used;
    }
    this.buf = this.buf.subarray(off);
    return out;
  }

  close(): void {
    this.socket.destroy();
  }

  private notify(): void {
    for (const w of [...this.waiters]) w();
  }
}

/** Resolves with the WebSocket's next message (bounded). */
function nextMessage(ws: WebSocket): Promise<string | ArrayBuffer> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no WebSocket message in time')), WAIT_MS);
    ws.addEventListener(
      'message',
      (ev) => {
        clearTimeout(timer);
        resolve(ev.data as string | ArrayBuffer);
      },
      { once: true },
    );
  });
}

async function waitFor(pred: () => boolean, what: string, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// ------------------------------------------------------------------ scenarios

after(() => rmSync(TMP, { recursive: true, force: true }));

for (const runtime of RUNTIMES) {
  describe(`proxying on ${runtime}`, () => {
    let proxy: ProxyProcess | undefined;
    let main: Upstream | undefined;
    let ka: Upstream | undefined;
    let ws: WebSocketEchoStats;
    let base = '';
    let port = 0;

    before(async () => {
      main = await startUpstream('main', mainHandler);
      ws = attachWebSocketEcho(main.server);
      ka = await startUpstream('keepalive');
      port = await freePort();
      base = `http://127.0.0.1:${port}`;
      proxy = await startProxy({ runtime, config: configYaml(port, main, ka) });
    });

    after(async () => {
      await proxy?.stop();
      await main?.close();
      await ka?.close();
    });

    it('answers GET through curl and fetch', async () => {
      const c = await curl(['-D', '-', '-o', join(TMP, `hello-${runtime}`), `${base}/hello`]);
      assert.equal(c.code, 0, c.stderr);
      const h = curlHeaders(c.stdout.toString('latin1'));
      assert.equal(h.status, 200);
      assert.equal(h.headers.get('content-length'), '11');
      assert.equal(readFileSync(join(TMP, `hello-${runtime}`), 'utf8'), 'hello world');
      const r = await fetchT(`${base}/hello`);
      assert.equal(r.status, 200);
      assert.equal(await r.text(), 'hello world');
    });

    it('answers HEAD without a body and keeps Content-Length', async () => {
      const c = await curl(['-I', `${base}/hello`]);
      assert.equal(c.code, 0, c.stderr);
      const h = curlHeaders(c.stdout.toString('latin1'));
      assert.equal(h.status, 200);
      assert.equal(h.headers.get('content-length'), '11');
      const r = await fetchT(`${base}/hello`, { method: 'HEAD' });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('content-length'), '11');
      assert.equal((await r.arrayBuffer()).byteLength, 0);
      // On the wire: nothing follows the HEAD response's head, so the next response parses cleanly.
      const raw = await RawClient.open(port);
      try {
        raw.write('HEAD /hello HTTP/1.1\r\nHost: a\r\n\r\nGET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
        const [head, get] = await raw.responses(['HEAD', 'GET']);
        assert.equal(head!.headers.get('content-length'), '11');
        assert.equal(get!.body.toString(), 'hello world');
        await raw.until(() => raw.ended, 'close after Connection: close');
        assert.equal(raw.buf.length, 0, 'no stray bytes after the GET response');
      } finally {
        raw.close();
      }
    });

    it('answers HEAD of a streamed (chunked) resource without waiting for a body', async () => {
      const raw = await RawClient.open(port);
      try {
        raw.write('HEAD /stream HTTP/1.1\r\nHost: a\r\n\r\nGET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
        const [head, get] = await raw.responses(['HEAD', 'GET']);
        assert.equal(head!.status, 200);
        assert.equal(get!.body.toString(), 'hello world');
        await raw.until(() => raw.ended, 'close after Connection: close');
        assert.equal(raw.buf.length, 0, 'no body bytes after the HEAD response');
      } finally {
        raw.close();
      }
    });

    it('forwards a 10 MiB POST body with Content-Length intact (curl and fetch)', async () => {
      const c = await curl(['--data-binary', `@${UPLOAD_FILE}`, '-H', 'content-type: application/octet-stream', `${base}/upload`]);
      assert.equal(c.code, 0, c.stderr);
      const rep = JSON.parse(c.stdout.toString()) as UploadReport;
      assert.equal(rep.size, BIG);
      assert.equal(rep.sha256, DATA_SHA);
      assert.equal(rep.cl, String(BIG));
      assert.equal(rep.te, null);
      const r = await fetchT(`${base}/upload`, { method: 'POST', body: DATA });
      const rep2 = (await r.json()) as UploadReport;
      assert.deepEqual([rep2.size, rep2.sha256, rep2.cl], [BIG, DATA_SHA, String(BIG)]);
    });

    it('forwards a 10 MiB chunked POST body intact (curl and a fetch stream)', async () => {
      const c = await curl(['-H', 'Transfer-Encoding: chunked', '--data-binary', `@${UPLOAD_FILE}`, `${base}/upload`]);
      assert.equal(c.code, 0, c.stderr);
      const rep = JSON.parse(c.stdout.toString()) as UploadReport;
      assert.deepEqual([rep.size, rep.sha256, rep.te, rep.cl], [BIG, DATA_SHA, 'chunked', null]);
      let off = 0;
      const body = new ReadableStream<Uint8Array>({
        pull(ctrl) {
          if (off >= BIG) return ctrl.close();
          ctrl.enqueue(DATA.subarray(off, off + 100_000));
          off += 100_000;
        },
      });
      const r = await fetchT(`${base}/upload`, { method: 'POST', body, duplex: 'half' } as RequestInit);
      const rep2 = (await r.json()) as UploadReport;
      assert.deepEqual([rep2.size, rep2.sha256, rep2.te], [BIG, DATA_SHA, 'chunked']);
    });

    it('streams a 10 MiB chunked response intact (curl and fetch)', async () => {
      const file = join(TMP, `stream-${runtime}`);
      const c = await curl(['-D', '-', '-o', file, `${base}/stream`]);
      assert.equal(c.code, 0, c.stderr);
      const h = curlHeaders(c.stdout.toString('latin1'));
      assert.equal(h.status, 200);
      assert.equal(h.headers.get('transfer-encoding'), 'chunked');
      const got = readFileSync(file);
      rmSync(file);
      assert.equal(got.length, BIG);
      assert.equal(sha256(got), DATA_SHA);
      const r = await fetchT(`${base}/stream`);
      const body = new Uint8Array(await r.arrayBuffer());
      assert.equal(body.length, BIG);
      assert.equal(sha256(body), DATA_SHA);
    });

    it('reuses one upstream connection for 100 sequential requests of a keep-alive client', async () => {
      const before = ka!.connections;
      const requestsBefore = ka!.requests;
      const args: string[] = ['-w', '%{http_code} %{num_connects}\n'];
      for (let i = 0; i < 100; i++) args.push('-o', '/dev/null', `${base}/ka/${i}`);
      const c = await curl(args);
      assert.equal(c.code, 0, c.stderr);
      const lines = c.stdout.toString().trim().split('\n');
      assert.equal(lines.length, 100);
      assert.ok(lines.every((l) => l.startsWith('200 ')), lines.join('|'));
      const clientConnects = lines.reduce((n, l) => n + Number(l.split(' ')[1]), 0);
      assert.equal(clientConnects, 1, 'curl used one connection to the proxy');
      assert.equal(ka!.requests - requestsBefore, 100);
      assert.equal(ka!.connections - before, 1, 'the upstream saw one TCP connection');
      for (let i = 0; i < 100; i++) {
        const r = await fetchT(`${base}/ka/f${i}`);
        assert.equal(await r.text(), 'keepalive');
      }
      assert.equal(ka!.requests - requestsBefore, 200);
      assert.equal(ka!.connections - before, 1, 'the pooled connection served the fetch client too');
      // Requests with bodies (Content-Length and chunked) leave the connection reusable too.
      for (let i = 0; i < 20; i++) {
        const body = i % 2 === 0 ? DATA.subarray(0, 30_000) : new Blob([DATA.subarray(0, 30_000)]).stream();
        const r = await fetchT(`${base}/ka/post${i}`, { method: 'POST', body, duplex: 'half' } as RequestInit);
        assert.equal(await r.text(), 'keepalive');
      }
      assert.equal(ka!.connections - before, 1, 'POSTs reused the pooled connection');
    });

    it('answers an HTTP/1.0 client correctly and closes without keep-alive', async () => {
      const c = await curl(['-0', '-D', '-', `${base}/hello`]);
      assert.equal(c.code, 0, c.stderr);
      const out = c.stdout.toString('latin1');
      const h = curlHeaders(out);
      assert.equal(h.status, 200);
      assert.equal(h.headers.get('content-length'), '11');
      assert.ok(out.endsWith('\r\n\r\nhello world'), out);

      const raw = await RawClient.open(port);
      try {
        raw.write('GET /hello HTTP/1.0\r\nHost: a\r\n\r\n');
        const [res] = await raw.responses(['GET']);
        assert.equal(res!.status, 200);
        assert.equal(res!.body.toString(), 'hello world');
        assert.equal(res!.headers.get('connection')?.toLowerCase(), 'close');
        await raw.until(() => raw.ended, 'the proxy to close the HTTP/1.0 connection');
      } finally {
        raw.close();
      }
    });

    it('keeps an HTTP/1.0 keep-alive connection open and ends a length-less body with the close', async () => {
      const raw = await RawClient.open(port);
      try {
        raw.write('GET /hello HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n');
        const [first] = await raw.responses(['GET']);
        assert.equal(first!.body.toString(), 'hello world');
        assert.equal(first!.headers.get('connection')?.toLowerCase(), 'keep-alive');
        assert.equal(first!.headers.get('transfer-encoding'), undefined, 'never chunked to HTTP/1.0');
        assert.equal(raw.ended, false);
        raw.write('GET /hello HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n');
        const [second] = await raw.responses(['GET']);
        assert.equal(second!.body.toString(), 'hello world');
      } finally {
        raw.close();
      }
      // HTTP/1.0 keep-alive requests reuse a pooled upstream connection too (the upstream sends a length).
      const mainBefore = main!.connections;
      const raw2 = await RawClient.open(port);
      try {
        for (let i = 0; i < 10; i++) {
          raw2.write('GET /hello HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n');
          const [r] = await raw2.responses(['GET']);
          assert.equal(r!.body.toString(), 'hello world', `request ${i}`);
        }
      } finally {
        raw2.close();
      }
      assert.ok(main!.connections - mainBefore <= 1, `10 HTTP/1.0 requests opened ${main!.connections - mainBefore} upstream connections`);
      // An HTTP/1.0 upload of 10 MiB arrives intact.
      const up = await curl(['-0', '--data-binary', `@${UPLOAD_FILE}`, `${base}/upload`]);
      assert.equal(up.code, 0, up.stderr);
      const rep = JSON.parse(up.stdout.toString()) as UploadReport;
      assert.deepEqual([rep.size, rep.sha256], [BIG, DATA_SHA]);
      // A streamed (length-less) response to HTTP/1.0 is delimited by the close.
      const c = await curl(['-0', '-D', '-', '-o', join(TMP, `s10-${runtime}`), `${base}/stream?size=1000000`]);
      assert.equal(c.code, 0, c.stderr);
      const h = curlHeaders(c.stdout.toString('latin1'));
      assert.equal(h.status, 200);
      assert.equal(h.headers.get('transfer-encoding'), undefined);
      const got = readFileSync(join(TMP, `s10-${runtime}`));
      assert.equal(got.length, 1_000_000);
      assert.equal(sha256(got), sha256(DATA.subarray(0, 1_000_000)));
    });

    it('answers pipelined requests in order', async () => {
      const raw = await RawClient.open(port);
      try {
        // The first is the slowest: out-of-order answering would show.
        raw.write(
          'GET /echo?n=1&delay=150 HTTP/1.1\r\nHost: a\r\n\r\n' +
            'POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello' +
            'GET /echo?n=3 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
        );
        const [a, b, c] = await raw.responses(['GET', 'POST', 'GET']);
        assert.equal(a!.body.toString(), 'echo 1');
        const rep = JSON.parse(b!.body.toString()) as UploadReport;
        assert.deepEqual([rep.size, rep.sha256], [5, sha256(Buffer.from('hello'))]);
        assert.equal(c!.body.toString(), 'echo 3');
        await raw.until(() => raw.ended, 'close after the last pipelined response');
      } finally {
        raw.close();
      }
    });

    it('answers a request pipelined behind a 10 MiB streamed response after all of it', async () => {
      const raw = await RawClient.open(port);
      try {
        raw.write('GET /stream HTTP/1.1\r\nHost: a\r\n\r\nGET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n');
        const [big, small] = await raw.responses(['GET', 'GET']);
        assert.equal(big!.body.length, BIG);
        assert.equal(sha256(big!.body), DATA_SHA);
        assert.equal(small!.body.toString(), 'hello world');
      } finally {
        raw.close();
      }
    });

    it('answers 20 pipelined requests with bodies in order, slow ones first', async () => {
      const raw = await RawClient.open(port);
      try {
        const parts: Buffer[] = [];
        const methods: string[] = [];
        const body = DATA.subarray(0, 200_000);
        for (let i = 0; i < 20; i++) {
          if (i % 4 === 1) {
            parts.push(Buffer.from(`POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: ${body.length}\r\n\r\n`), body);
            methods.push('POST');
          } else if (i % 4 === 3) {
            parts.push(Buffer.from(`POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n`));
            methods.push('POST');
          } else {
            parts.push(Buffer.from(`GET /echo?n=${i}&delay=${(20 - i) * 3} HTTP/1.1\r\nHost: a\r\n\r\n`));
            methods.push('GET');
          }
        }
        raw.write(Buffer.concat(parts));
        const res = await raw.responses(methods);
        res.forEach((r, i) => {
          assert.equal(r.status, 200, `response ${i}`);
          if (i % 4 === 1) assert.equal((JSON.parse(r.body.toString()) as UploadReport).sha256, sha256(body), `response ${i}`);
          else if (i % 4 === 3) assert.equal((JSON.parse(r.body.toString()) as UploadReport).size, 5, `response ${i}`);
          else assert.equal(r.body.toString(), `echo ${i}`);
        });
        assert.equal(raw.ended, false, 'the connection stays open');
      } finally {
        raw.close();
      }
    });

    it('sends 100 Continue before the body is sent and never forwards Expect', async () => {
      const raw = await RawClient.open(port);
      try {
        raw.write('POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
        await raw.until(() => raw.buf.indexOf('\r\n\r\n') >= 0, '100 Continue');
        assert.equal(raw.buf.toString('latin1'), 'HTTP/1.1 100 Continue\r\n\r\n');
        raw.buf = Buffer.alloc(0);
        raw.write('hello');
        const [res] = await raw.responses(['POST']);
        const rep = JSON.parse(res!.body.toString()) as UploadReport;
        assert.deepEqual([rep.size, rep.expect], [5, null]);
      } finally {
        raw.close();
      }
      // R15: a body that came with the head makes the 100 pointless: none is sent.
      const rawBody = await RawClient.open(port);
      try {
        rawBody.write('POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\nhello');
        const [res] = await rawBody.responses(['POST']);
        assert.equal(res!.status, 200, 'the first response is the final one');
        assert.equal((JSON.parse(res!.body.toString()) as UploadReport).size, 5);
      } finally {
        rawBody.close();
      }
      // A pipelined head that expects 100 gets it once the request before it is answered.
      const rawPipe = await RawClient.open(port);
      try {
        rawPipe.write('GET /echo?n=1&delay=50 HTTP/1.1\r\nHost: a\r\n\r\nPOST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
        const [first, cont] = await rawPipe.responses(['GET', 'POST']);
        assert.equal(first!.body.toString(), 'echo 1');
        assert.equal(cont!.status, 100);
        rawPipe.write('hello');
        const [res] = await rawPipe.responses(['POST']);
        assert.equal((JSON.parse(res!.body.toString()) as UploadReport).size, 5);
      } finally {
        rawPipe.close();
      }
      // RFC 9110 §10.1.1: an HTTP/1.0 request's expectation is ignored.
      const raw10 = await RawClient.open(port);
      try {
        raw10.write('POST /upload HTTP/1.0\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
        await new Promise((r) => setTimeout(r, 100));
        assert.equal(raw10.buf.length, 0, 'no 100 Continue to an HTTP/1.0 client');
        raw10.write('hello');
        const [res] = await raw10.responses(['POST']);
        assert.equal((JSON.parse(res!.body.toString()) as UploadReport).size, 5);
      } finally {
        raw10.close();
      }
      const c = await curl(['-v', '-H', 'Expect: 100-continue', '--data-binary', `@${UPLOAD_FILE}`, `${base}/upload`]);
      assert.equal(c.code, 0, c.stderr);
      assert.match(c.stderr, /< HTTP\/1\.1 100 Continue/);
      const rep = JSON.parse(c.stdout.toString()) as UploadReport;
      assert.deepEqual([rep.size, rep.sha256, rep.expect], [BIG, DATA_SHA, null]);
    });

    it('tunnels a WebSocket echo both ways and closes the upstream side after', async () => {
      const sock = new WebSocket(`ws://127.0.0.1:${port}/ws`);
      sock.binaryType = 'arraybuffer';
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('WebSocket did not open')), WAIT_MS);
        sock.addEventListener('open', () => (clearTimeout(timer), resolve()), { once: true });
        sock.addEventListener('error', () => (clearTimeout(timer), reject(new Error('WebSocket error before open'))), { once: true });
      });
      try {
        const m1 = nextMessage(sock);
        sock.send('hello');
        assert.equal(await m1, 'hello');
        const big = 'x'.repeat(300_000) + 'end';
        const m2 = nextMessage(sock);
        sock.send(big);
        assert.equal(await m2, big);
        const bin = DATA.subarray(0, 70_000);
        const m3 = nextMessage(sock);
        sock.send(bin);
        const got = new Uint8Array((await m3) as ArrayBuffer);
        assert.equal(sha256(got), sha256(bin));
        // Big enough to fill socket buffers on both legs of the tunnel.
        const huge = DATA.subarray(0, 4 * 1024 * 1024);
        const m4 = nextMessage(sock);
        sock.send(huge);
        const gotHuge = new Uint8Array((await m4) as ArrayBuffer);
        assert.equal(gotHuge.length, huge.length);
        assert.equal(sha256(gotHuge), sha256(huge));
        assert.equal(ws.accepted, 1);
        assert.equal(ws.messages, 4);
      } finally {
        const closed = new Promise<number>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error('WebSocket did not close')), WAIT_MS);
          sock.addEventListener('close', (ev) => (clearTimeout(timer), resolve(ev.code)), { once: true });
        });
        sock.close(1000, 'done');
        assert.equal(await closed, 1000);
      }
      await waitFor(() => ws.open === 0, 'the upstream WebSocket socket to close');
      // The tunnelled connection never went back to the pool: plain requests still work.
      const r = await fetchT(`${base}/hello`);
      assert.equal(await r.text(), 'hello world');
    });

    it('passes bytes that share a packet with the upgrade request or the 101 through the tunnel', async () => {
      const raw = await RawClient.open(port);
      try {
        raw.write(
          Buffer.concat([
            Buffer.from('GET /ws-greet HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
              'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n'),
            encodeClientFrame(0x1, Buffer.from('early')),
          ]),
        );
        const [res] = await raw.responses(['GET']);
        assert.equal(res!.status, 101);
        await raw.until(() => decodeFrames(raw.buf).frames.length >= 2, 'the greeting and the echo');
        const texts = decodeFrames(raw.buf).frames.map((f) => f.payload.toString());
        assert.deepEqual(texts, ['welcome', 'early']);
      } finally {
        raw.close();
      }
    });

    it('keeps the client connection usable when the upstream refuses an upgrade', async () => {
      const raw = await RawClient.open(port);
      try {
        raw.write('GET /ws-deny HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
        const [denied] = await raw.responses(['GET']);
        assert.equal(denied!.status, 403);
        assert.equal(denied!.body.toString(), 'denied');
        raw.write('GET /hello HTTP/1.1\r\nHost: a\r\n\r\n');
        const [next] = await raw.responses(['GET']);
        assert.equal(next!.body.toString(), 'hello world');
      } finally {
        raw.close();
      }
    });

    it('forwards an upgrade request as a plain request on a route without websocket', async () => {
      const raw = await RawClient.open(port);
      try {
        raw.write('GET /ka/up HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n');
        const [res] = await raw.responses(['GET']);
        assert.equal(res!.status, 200);
        assert.equal(res!.body.toString(), 'keepalive');
      } finally {
        raw.close();
      }
    });

    it('ran every scenario without a worker crash or an error log line', () => {
      const bad = proxy!.logs.filter((l) => l.level === 'error' || l.level === 'fatal').map((l) => l.msg);
      bad.push(...proxy!.stderr.filter((l) => /uncaught|Error:/.test(l)));
      assert.deepEqual(bad, []);
    });
  });
}

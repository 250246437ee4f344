/** Foundation acceptance 1: two workers share the listening port, and a kept-alive connection stays on one worker. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { endpoint, proxyConfig } from './support/config.ts';
import { freePort, RUNTIMES, startProxy, type ProxyProcess } from './support/proxy-process.ts';

const FRESH_CONNECTIONS = 200;
const KEEPALIVE_REQUESTS = 50;
/** Each worker must take at least this share of the fresh connections. */
const MIN_SHARE = 0.2;

interface AccessLine {
  path: string;
  response_code: number;
  worker: number;
  connection_id: number;
}

function configFor(port: number, accessLogPath: string): string {
  return proxyConfig({
    port,
    workers: 2,
    listener: { access_log: { path: accessLogPath, format: 'json' } },
    routes: [{ match: { prefix: '/' }, direct_response: { status: 200, body: 'hello\n' } }],
    clusters: [{ name: 'unused', endpoints: [endpoint(9)] }],
  });
}

/** One GET; resolves with status and body. `agent: false` means a fresh TCP connection. */
function get(port: number, path: string, agent: Agent | false, headers: Record<string, string> = {}): Promise<{ status: number; body: string; reused: boolean }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent, headers, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, reused: req.reusedSocket }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** The access log lines for paths starting with `prefix`, waiting (bounded) until `count` are written. */
async function accessLines(file: string, prefix: string, count: number, timeoutMs = 5000): Promise<AccessLine[]> {
  const deadline = Date.now() + timeoutMs;
  let lines: AccessLine[] = [];
  for (;;) {
    const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
    lines = text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as AccessLine)
      .filter((l) => l.path.startsWith(prefix));
    if (lines.length >= count || Date.now() > deadline) return lines;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function adminStats(adminPort: number): Promise<Map<string, number>> {
  const res = await fetch(`http://127.0.0.1:${adminPort}/admin/stats?format=json`, { signal: AbortSignal.timeout(5000) });
  assert.equal(res.status, 200);
  const json = (await res.json()) as { stats: { name: string; value: number }[] };
  return new Map(json.stats.map((s) => [s.name, s.value]));
}

for (const runtime of RUNTIMES) {
  describe(`two workers sharing one port on ${runtime}`, () => {
    let proxy: ProxyProcess | undefined;
    let dir = '';
    let accessLog = '';
    let port = 0;
    /** TCP connections this file opened to the listener. */
    let connectionsMade = 0;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'proxy-e2e-workers-'));
      accessLog = join(dir, 'access.log');
      port = await freePort();
      proxy = await startProxy({ runtime, config: configFor(port, accessLog) });
    });

    after(async () => {
      if (proxy) assert.equal(await proxy.stop(), 0, 'the proxy exits 0 on SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    });

    it(`${FRESH_CONNECTIONS} fresh connections are accepted by both workers, each at least ${MIN_SHARE * 100}%`, async (t) => {
      for (let i = 0; i < FRESH_CONNECTIONS; i++) {
        connectionsMade++;
        const res = await get(port, `/fresh/${i}`, false, { connection: 'close' });
        assert.equal(res.status, 200);
        assert.equal(res.body, 'hello\n');
      }
      const lines = await accessLines(accessLog, '/fresh/', FRESH_CONNECTIONS);
      assert.equal(lines.length, FRESH_CONNECTIONS, 'one access log line per connection');
      const byPath = new Map(lines.map((l) => [l.path, l]));
      const perWorker = [0, 0];
      const connections = new Set<string>();
      for (let i = 0; i < FRESH_CONNECTIONS; i++) {
        const line = byPath.get(`/fresh/${i}`);
        assert.ok(line, `an access log line for connection ${i}`);
        assert.ok(line.worker === 0 || line.worker === 1, `worker of connection ${i}: ${String(line.worker)}`);
        perWorker[line.worker] = (perWorker[line.worker] ?? 0) + 1;
        connections.add(`${line.worker}/${line.connection_id}`);
      }
      assert.equal(connections.size, FRESH_CONNECTIONS, 'every request came on its own connection');
      t.diagnostic(`worker 0 / worker 1: ${perWorker.join(' / ')}`);
      const min = Math.ceil(FRESH_CONNECTIONS * MIN_SHARE);
      assert.ok((perWorker[0] ?? 0) >= min && (perWorker[1] ?? 0) >= min, `split between workers: ${perWorker.join('/')}`);
    });

    it(`a kept-alive connection stays on one worker for ${KEEPALIVE_REQUESTS} requests`, async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      connectionsMade++;
      try {
        for (let i = 0; i < KEEPALIVE_REQUESTS; i++) {
          const res = await get(port, `/keepalive/${i}`, agent);
          assert.equal(res.status, 200);
          assert.equal(res.reused, i > 0, `request ${i} ${i > 0 ? 'reused' : 'opened'} the client's connection`);
        }
      } finally {
        agent.destroy();
      }
      const lines = await accessLines(accessLog, '/keepalive/', KEEPALIVE_REQUESTS);
      assert.equal(lines.length, KEEPALIVE_REQUESTS);
      const workers = new Set(lines.map((l) => l.worker));
      const ids = new Set(lines.map((l) => l.connection_id));
      assert.equal(workers.size, 1, `one worker served the connection: ${[...workers].join(',')}`);
      assert.equal(ids.size, 1, `one connection id: ${[...ids].join(',')}`);
    });

    it('admin stats count each worker\'s connections, adding up to the connections made', async () => {
      const deadline = Date.now() + 5000;
      let w0 = -1;
      let w1 = -1;
      while (Date.now() < deadline) {
        const stats = await adminStats(proxy!.adminPort);
        w0 = stats.get('listener.ingress.worker_0.downstream_cx_total') ?? -1;
        w1 = stats.get('listener.ingress.worker_1.downstream_cx_total') ?? -1;
        if (w0 + w1 === connectionsMade) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(w0 > 0 && w1 > 0, `both workers counted connections: ${w0}/${w1}`);
      assert.equal(w0 + w1, connectionsMade, `worker_0 ${w0} + worker_1 ${w1}`);
    });
  });
}

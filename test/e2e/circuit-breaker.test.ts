/** Cluster-wide circuit breakers with two real workers: max_connections holds at the upstream, overflow is 503 UO. */
import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { endpoint, prefixRoute, proxyConfig } from './support/config.ts';
import { freePort, RUNTIMES, startProxy, type ProxyProcess } from './support/proxy-process.ts';
import { get, waitUntil, type Reply } from './support/traffic.ts';
import { startUpstream, type Handler, type Upstream } from './support/upstreams.ts';
import type { Socket } from 'node:net';

const MAX_CONNECTIONS = 4;
const MAX_PENDING = 4;
const BURST = 40;
const LATENCY_MS = 150;

const slow: Handler = (req, res, up) => {
  req.resume();
  const t = setTimeout(() => {
    res.writeHead(200, { 'content-type': 'text/plain', 'x-upstream': up.name });
    res.end(up.name);
  }, LATENCY_MS);
  res.on('close', () => clearTimeout(t));
};

/** Concurrent upstream connections as the upstream server sees them. */
interface ConnectionTracker {
  open: number;
  peak: number;
}

/**
 * Counts `up`'s connections, a connection ending at the proxy's FIN or RST. The peak is read one
 * event-loop turn after each accept: within one turn node may deliver a new connection before
 * the close of one the proxy shut just before opening it, which is no overlap at the proxy.
 */
function trackConnections(up: Upstream): ConnectionTracker {
  const t: ConnectionTracker = { open: 0, peak: 0 };
  up.server.on('connection', (s: Socket) => {
    t.open++;
    let live = true;
    const gone = (): void => {
      if (live) t.open--;
      live = false;
    };
    s.on('end', gone);
    s.on('error', gone);
    s.on('close', gone);
    setTimeout(() => (t.peak = Math.max(t.peak, t.open)), 0);
  });
  return t;
}

function configYaml(port: number, queued: Upstream, tight: Upstream): string {
  return proxyConfig({
    port,
    workers: 2,
    drainTimeout: '2s',
    listener: { access_log: { path: 'stdout', format: 'json' } },
    routes: [
      { match: { prefix: '/pin-' }, direct_response: { status: 200, body: 'pinned' } },
      prefixRoute('/tight/', 'tight', { timeout: '8s' }),
      prefixRoute('/', 'queued', { timeout: '8s' }),
    ],
    clusters: [
      { name: 'queued', endpoints: [endpoint(queued.port)], circuit_breakers: { max_connections: MAX_CONNECTIONS } },
      {
        name: 'tight',
        endpoints: [endpoint(tight.port)],
        circuit_breakers: { max_connections: MAX_CONNECTIONS, max_pending_requests: MAX_PENDING },
      },
    ],
  });
}

interface AccessLine {
  path: string;
  response_code: number;
  response_flags: string | null;
  worker: number;
}

/** The JSON access-log lines the proxy printed on stdout for paths starting with `prefix`. */
function accessLog(proxy: ProxyProcess, prefix: string): AccessLine[] {
  const out: AccessLine[] = [];
  for (const line of proxy.stderr) {
    if (!line.startsWith('{"start_time"')) continue;
    const a = JSON.parse(line) as AccessLine;
    if (a.path.startsWith(prefix)) out.push(a);
  }
  return out;
}

/** Waits (bounded) until the access log has a line for each of the `BURST` requests under `prefix`. */
function burstLog(proxy: ProxyProcess, prefix: string): Promise<AccessLine[]> {
  return waitUntil(`${BURST} access-log lines for ${prefix}`, () => {
    const lines = accessLog(proxy, prefix);
    return lines.length >= BURST ? lines : undefined;
  }, 2000);
}

/** `BURST` concurrent requests, each on its own connection (so both workers take a share). */
function burst(port: number, path: string): Promise<Reply[]> {
  return Promise.all(Array.from({ length: BURST }, (_, i) => get(port, `${path}${i}`, { timeoutMs: 10_000 })));
}

async function stat(adminPort: number, name: string): Promise<number> {
  const body = (await get(adminPort, `/admin/stats?filter=^${name.replaceAll('.', '\\.')}$`)).body;
  const m = /: (\d+)$/m.exec(body);
  assert.ok(m, `${name} in ${body}`);
  return Number(m[1]);
}

/** `n` keep-alive client connections that the kernel handed to worker `worker` (found by trying, bounded). */
async function connectionsOn(proxy: ProxyProcess, port: number, worker: number, n: number, tag: string): Promise<Agent[]> {
  const kept: Agent[] = [];
  for (let round = 0; round < 6 && kept.length < n; round++) {
    const tries = Array.from({ length: 2 * n }, (_, i) => ({ agent: new Agent({ keepAlive: true, maxSockets: 1 }), path: `/pin-${tag}-${round}-${i}` }));
    // The pin route is a direct response: it tells the worker without touching the upstream pools.
    await Promise.all(tries.map(async (t) => assert.equal((await get(port, t.path, { agent: t.agent })).status, 200)));
    for (const t of tries) {
      const line = await waitUntil(`access log of ${t.path}`, () => accessLog(proxy, t.path).find((a) => a.path === t.path), 2000);
      if (line.worker === worker && kept.length < n) kept.push(t.agent);
      else t.agent.destroy();
    }
  }
  assert.equal(kept.length, n, `${n} connections landed on worker ${worker}`);
  return kept;
}

for (const runtime of RUNTIMES) {
  describe(`circuit breakers across two workers (${runtime})`, () => {
    let queued: Upstream, tight: Upstream;
    let queuedCx: ConnectionTracker, tightCx: ConnectionTracker;
    let proxy: ProxyProcess | undefined;
    let port = 0;

    before(async () => {
      [queued, tight] = [await startUpstream('queued', slow), await startUpstream('tight', slow)];
      [queuedCx, tightCx] = [trackConnections(queued), trackConnections(tight)];
      port = await freePort();
      proxy = await startProxy({ runtime, config: configYaml(port, queued, tight) });
    });

    after(async () => {
      await proxy?.stop();
      await Promise.all([queued, tight].map((u) => u?.close()));
    });

    it(`never opens more than max_connections (${MAX_CONNECTIONS}) upstream connections; queued requests all succeed`, async () => {
      const started = performance.now();
      const replies = await burst(port, '/q/');
      const took = performance.now() - started;
      assert.deepEqual(replies.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.body}`), []);
      assert.ok(queuedCx.peak <= MAX_CONNECTIONS, `peak ${queuedCx.peak} upstream connections`);
      assert.ok(queuedCx.peak >= 2, `both workers' pools connected (peak ${queuedCx.peak})`);
      assert.equal(queued.requests, BURST);
      // 40 requests of 150 ms over 4 connections: ~1.5 s; a starved worker would wait for the route timeout.
      assert.ok(took < 5000, `the burst took ${Math.round(took)} ms`);
      const workers = new Set((await burstLog(proxy!, '/q/')).map((a) => a.worker));
      assert.deepEqual([...workers].sort(), [0, 1], 'both workers served the burst');
      assert.ok((await stat(proxy!.adminPort, 'cluster.queued.upstream_cx_overflow')) > 0, 'the limit was hit');
      assert.equal(await stat(proxy!.adminPort, 'cluster.queued.upstream_rq_pending_overflow'), 0);
    });

    it('keeps the limit when the idle connections belong to one worker and the other needs them', async () => {
      // Every connection from the first burst is idle now, held by whichever worker opened it.
      assert.ok(queuedCx.open <= MAX_CONNECTIONS);
      const started = performance.now();
      const replies = await burst(port, '/q2/');
      const took = performance.now() - started;
      assert.deepEqual(replies.filter((r) => r.status !== 200).map((r) => `${r.status} ${r.body}`), []);
      assert.ok(queuedCx.peak <= MAX_CONNECTIONS, `peak ${queuedCx.peak} upstream connections`);
      assert.ok(took < 5000, `the burst took ${Math.round(took)} ms`);
      const workers = new Set((await burstLog(proxy!, '/q2/')).map((a) => a.worker));
      assert.deepEqual([...workers].sort(), [0, 1], 'both workers served the burst');
      const cx = await stat(proxy!.adminPort, 'cluster.queued.upstream_cx_active');
      assert.ok(cx <= MAX_CONNECTIONS, `upstream_cx_active ${cx}`);
    });

    it('moves connection slots to the worker that needs them when the other holds every one idle', async () => {
      const admin = proxy!.adminPort;
      const on0 = await connectionsOn(proxy!, port, 0, MAX_CONNECTIONS, 'a');
      const on1 = await connectionsOn(proxy!, port, 1, MAX_CONNECTIONS, 'b');
      try {
        for (const [worker, agents] of [[0, on0], [1, on1], [0, on0]] as const) {
          // MAX_CONNECTIONS concurrent requests on one worker: its pool needs every slot of the cluster.
          const started = performance.now();
          const replies = await Promise.all(agents.map((agent, i) => get(port, `/w${worker}-${i}`, { agent })));
          const took = performance.now() - started;
          assert.deepEqual(replies.map((r) => r.status), agents.map(() => 200));
          assert.ok(took < 2 * LATENCY_MS + 500, `worker ${worker}: ${MAX_CONNECTIONS} requests took ${Math.round(took)} ms`);
          assert.ok(queuedCx.peak <= MAX_CONNECTIONS, `peak ${queuedCx.peak} upstream connections`);
          const clusters = JSON.parse((await get(admin, '/admin/clusters')).body) as {
            cluster_statuses: Array<{ name: string; host_statuses: Array<{ pools: Array<{ worker: number; ready?: number }> }> }>;
          };
          const pools = clusters.cluster_statuses.find((c) => c.name === 'queued')?.host_statuses[0]?.pools ?? [];
          const ready = pools.find((p) => p.worker === worker)?.ready;
          assert.equal(ready, MAX_CONNECTIONS, `worker ${worker} now holds every connection idle: ${JSON.stringify(pools)}`);
        }
      } finally {
        for (const a of [...on0, ...on1]) a.destroy();
      }
    });

    it(`answers 503 UO beyond max_pending_requests (${MAX_PENDING}) and succeeds for the rest`, async () => {
      const replies = await burst(port, '/tight/');
      const ok = replies.filter((r) => r.status === 200);
      const overflow = replies.filter((r) => r.status === 503);
      assert.equal(ok.length + overflow.length, BURST, replies.map((r) => r.status).join(','));
      assert.ok(overflow.length > 0, 'some requests overflowed');
      assert.ok(ok.length >= MAX_CONNECTIONS, `${ok.length} succeeded`);
      for (const r of overflow) assert.equal(r.body, 'upstream overflow');
      assert.ok(tightCx.peak <= MAX_CONNECTIONS, `peak ${tightCx.peak} upstream connections`);
      assert.equal(tight.requests, ok.length);

      const logged = await burstLog(proxy!, '/tight/');
      assert.equal(logged.length, BURST);
      assert.equal(logged.filter((a) => a.response_code === 503 && a.response_flags === 'UO').length, overflow.length);
      assert.equal(await stat(proxy!.adminPort, 'cluster.tight.upstream_rq_pending_overflow'), overflow.length);
      assert.equal(await stat(proxy!.adminPort, 'cluster.tight.upstream_rq_pending_active'), 0);
    });
  });
}

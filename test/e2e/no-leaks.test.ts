/**
 * Issue 5 acceptance 5: after thousands of requests with random client disconnects and upstream
 * failures (seeded), every pool is back to busy 0 / pending 0, upstream_rq_active is 0, and the
 * proxy holds exactly its listening sockets plus its idle (ready) upstream connections.
 */
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { endpoint, prefixRoute, proxyConfig } from './support/config.ts';
import { freePort, RUNTIMES, startProxy, type ProxyProcess } from './support/proxy-process.ts';
import { closeBeforeHeaders, closeMidBody, rawResponse, sendGarbage, startRawUpstream, type RawExchange, type RawUpstream } from './support/raw-upstream.ts';
import { rawConnect, ResponseReader } from './support/raw-client.ts';
import { pools, statsMap, tcpSockets, type PoolRow, type ProcSocket } from './support/proxy-observe.ts';
import { seededRandom } from '../support/seeded-random.ts';
import { NODE_ACCEPT_SOCKETS } from '../../runtime-adapters/node-listener.ts';

/**
 * 20,000 requests on every runtime: measured at 8–13 s per runtime (about 35 s for the file) on
 * this 2-core machine with the proxy, the upstream and the client sharing it.
 * PROXY_E2E_LEAK_REQUESTS changes the count (e.g. to hunt a failure faster).
 */
const REQUESTS = Number(process.env.PROXY_E2E_LEAK_REQUESTS ?? 20_000);
const CONCURRENCY = 32;
const SEED = Number(process.env.PROXY_E2E_SEED ?? 0x5eed);
const WORKERS = 2;
const ROUTE_TIMEOUT_MS = 250;

function pick<T extends string>(r: number, weights: Record<T, number>): T {
  let acc = 0;
  const entries = Object.entries(weights) as [T, number][];
  for (const [k, w] of entries) {
    acc += w;
    if (r < acc) return k;
  }
  return entries[entries.length - 1]![0];
}

/** What the upstream does: the first path segment after the route prefix. */
const UPSTREAM_KINDS = { ok: 0.5, big: 0.1, slow: 0.1, s503: 0.06, close: 0.06, garbage: 0.04, midbody: 0.06, hang: 0.02, refused: 0.02, retry: 0.04 };
/** What the client does. */
const CLIENT_ACTIONS = { normal: 0.78, abortAfterSend: 0.08, abortAfterHead: 0.08, abortHalfHead: 0.06 };

type UpstreamKind = keyof typeof UPSTREAM_KINDS;
type ClientAction = keyof typeof CLIENT_ACTIONS;

const BIG = Buffer.alloc(256 * 1024, 0x62);
const midBody = closeMidBody(100_000, 1_000);

function upstreamBehaviour(ex: RawExchange): void {
  const kind = ex.path.split('/')[2] ?? 'ok';
  switch (kind) {
    case 'big':
      ex.socket.write(rawResponse(200, BIG));
      return;
    case 'slow': {
      const t = setTimeout(() => ex.socket.write(rawResponse(200, 'slow')), 5 + (ex.path.length % 20));
      ex.socket.once('close', () => clearTimeout(t));
      return;
    }
    case 's503':
      ex.socket.write(rawResponse(503, 'unavailable'));
      return;
    case 'close':
      return closeBeforeHeaders(ex, undefined as never);
    case 'garbage':
      return sendGarbage(ex, undefined as never);
    case 'midbody':
      return midBody(ex, undefined as never);
    case 'hang':
      return;
    default:
      ex.socket.write(rawResponse(200, 'ok'));
  }
}

function configFor(port: number, upstreamPort: number, refusedPort: number): string {
  const timeout = `${ROUTE_TIMEOUT_MS}ms`;
  return proxyConfig({
    port,
    workers: WORKERS,
    listener: { request_headers_timeout: '2s' },
    routes: [
      prefixRoute('/refused/', 'refused'),
      prefixRoute('/retry/', 'backend', {
        timeout,
        retry_policy: {
          retry_on: '5xx,connect-failure,reset',
          num_retries: 2,
          retry_back_off: { base_interval: '1ms', max_interval: '5ms' },
        },
      }),
      prefixRoute('/', 'backend', { timeout }),
    ],
    clusters: [
      {
        name: 'backend',
        endpoints: [endpoint(upstreamPort)],
        circuit_breakers: { max_connections: 64, max_pending_requests: 1024, max_retries: 1024 },
      },
      { name: 'refused', connect_timeout: '1s', endpoints: [endpoint(refusedPort)] },
    ],
  });
}

interface Tally {
  requests: number;
  byStatus: Map<number, number>;
  aborted: number;
  /** Responses cut short by the proxy (reset or close mid-response). */
  cut: number;
  connections: number;
}

/** One client loop: a kept-alive raw connection, replaced whenever either side drops it. */
class ClientLoop {
  private socket: Socket | null = null;
  private readonly port: number;
  private readonly tally: Tally;

  constructor(port: number, tally: Tally) {
    this.port = port;
    this.tally = tally;
  }

  async run(next: () => { path: string; action: ClientAction } | null): Promise<void> {
    for (let job = next(); job; job = next()) await this.one(job.path, job.action);
    this.drop();
  }

  private drop(): void {
    this.socket?.destroy();
    this.socket = null;
  }

  private async connection(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return this.socket;
    const s = await rawConnect(this.port);
    s.setNoDelay(true);
    s.on('error', () => {});
    this.tally.connections++;
    this.socket = s;
    return s;
  }

  private async one(path: string, action: ClientAction): Promise<void> {
    this.tally.requests++;
    const s = await this.connection();
    const request = `GET ${path} HTTP/1.1\r\nhost: leak.test\r\n\r\n`;
    if (action === 'abortHalfHead') {
      s.write(request.slice(0, 20));
      await new Promise((r) => setImmediate(r));
      this.tally.aborted++;
      return this.drop();
    }
    if (action === 'abortAfterSend') {
      s.write(request);
      await new Promise((r) => setTimeout(r, path.length % 3));
      this.tally.aborted++;
      return this.drop();
    }
    const reader = new ResponseReader('GET');
    const outcome = await new Promise<'complete' | 'closed' | 'head'>((resolve) => {
      const timer = setTimeout(() => finish('closed'), 10_000);
      const onData = (d: Buffer): void => {
        reader.feed(d);
        if (reader.complete) finish('complete');
        else if (action === 'abortAfterHead' && reader.headDone) finish('head');
      };
      const onClose = (): void => finish('closed');
      function finish(how: 'complete' | 'closed' | 'head'): void {
        clearTimeout(timer);
        s.off('data', onData);
        s.off('close', onClose);
        resolve(how);
      }
      s.on('data', onData);
      s.on('close', onClose);
      s.write(request);
    });
    if (reader.headDone) this.tally.byStatus.set(reader.status, (this.tally.byStatus.get(reader.status) ?? 0) + 1);
    if (outcome === 'head' || action === 'abortAfterHead') {
      this.tally.aborted++;
      return this.drop();
    }
    if (outcome === 'closed') {
      this.tally.cut++;
      return this.drop();
    }
    if (reader.headers.get('connection')?.toLowerCase() === 'close') this.drop();
  }
}

/** Sockets the proxy should hold when idle, and what it holds. */
interface SocketCheck {
  rows: PoolRow[];
  ready: number;
  listeners: number;
  sockets: ProcSocket[];
}

/**
 * The expected count: the LISTEN sockets of every worker for the one listener (every worker binds
 * its own SO_REUSEPORT sockets: one, or NODE_ACCEPT_SOCKETS on Node) plus the admin listener on
 * main, plus one socket per `ready` upstream connection. No client is connected and no request is in flight, so nothing else may be open:
 * no downstream connection, no busy/connecting upstream connection, no half-closed leftover.
 */
async function socketCheck(adminPort: number, pid: number, runtime: string): Promise<SocketCheck> {
  const rows = await pools(adminPort);
  const ready = rows.reduce((n, p) => n + p.ready, 0);
  // Read the socket table after the admin exchange above has had a moment to close its connection.
  await new Promise((r) => setTimeout(r, 50));
  const perWorker = runtime === 'node' ? NODE_ACCEPT_SOCKETS : 1;
  return { rows, ready, listeners: WORKERS * perWorker + 1, sockets: tcpSockets(pid) };
}

for (const [index, runtime] of RUNTIMES.entries()) {
  const total = REQUESTS;
  describe(`no leaks on ${runtime}`, () => {
    let proxy: ProxyProcess | undefined;
    let upstream: RawUpstream | undefined;
    let port = 0;

    before(async () => {
      upstream = await startRawUpstream(upstreamBehaviour);
      const refused = await freePort();
      port = await freePort();
      proxy = await startProxy({ runtime, config: configFor(port, upstream.port, refused) });
    });

    after(async () => {
      if (proxy) await proxy.stop();
      await upstream?.close();
    });

    it(`after ${total} requests with random disconnects and failures every pool is idle and only ready + listener sockets stay open`, async (t) => {
      const random = seededRandom(SEED + index);
      let issued = 0;
      const next = (): { path: string; action: ClientAction } | null => {
        if (issued >= total) return null;
        const n = issued++;
        const kind: UpstreamKind = pick(random(), UPSTREAM_KINDS);
        const action: ClientAction = pick(random(), CLIENT_ACTIONS);
        if (kind === 'refused') return { path: `/refused/x/${n}`, action };
        if (kind === 'retry') {
          const inner = pick(random(), { s503: 0.4, close: 0.3, ok: 0.3 } as Record<UpstreamKind, number>);
          return { path: `/retry/${inner}/${n}`, action };
        }
        return { path: `/b/${kind}/${n}`, action };
      };
      const tally: Tally = { requests: 0, byStatus: new Map(), aborted: 0, cut: 0, connections: 0 };
      const started = Date.now();
      await Promise.all(Array.from({ length: CONCURRENCY }, () => new ClientLoop(port, tally).run(next)));
      const took = Date.now() - started;
      t.diagnostic(
        `seed ${SEED + index}: ${tally.requests} requests in ${took} ms on ${tally.connections} connections; ` +
          `statuses ${JSON.stringify(Object.fromEntries([...tally.byStatus].sort((a, b) => a[0] - b[0])))}; ` +
          `${tally.aborted} client aborts, ${tally.cut} responses cut by the proxy`,
      );
      assert.equal(tally.requests, total);
      for (const s of [200, 502, 503, 504]) assert.ok((tally.byStatus.get(s) ?? 0) > 0, `some ${s} responses were seen`);

      const admin = proxy!.adminPort;
      const pid = proxy!.child.pid!;
      let check: SocketCheck | undefined;
      let stats = new Map<string, number>();
      const deadline = Date.now() + 10_000;
      for (;;) {
        stats = await statsMap(admin);
        check = await socketCheck(admin, pid, runtime);
        const idle = check.rows.every((p) => p.busy === 0 && p.pending === 0 && p.connecting === 0);
        const active = [...stats].filter(([k, v]) => /(upstream_rq_active|upstream_rq_pending_active|downstream_rq_active|downstream_cx_active)$/.test(k) && v !== 0);
        if (idle && active.length === 0 && check.sockets.length === check.ready + check.listeners) break;
        if (Date.now() > deadline) {
          assert.fail(
            `not idle 10 s after the load:\npools ${JSON.stringify(check.rows)}\nnon-zero gauges ${JSON.stringify(active)}\n` +
              `sockets (${check.sockets.length}, expected ${check.ready} ready + ${check.listeners} listeners): ${JSON.stringify(check.sockets)}`,
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
      for (const p of check.rows) assert.deepEqual([p.busy, p.pending], [0, 0], `pool ${p.cluster} ${p.host} worker ${p.worker}`);
      assert.equal(stats.get('cluster.backend.upstream_rq_active') ?? 0, 0);
      assert.equal(stats.get('cluster.refused.upstream_rq_active') ?? 0, 0);
      const listening = check.sockets.filter((s) => s.state === 'LISTEN');
      assert.equal(listening.length, check.listeners, `listening sockets: ${JSON.stringify(listening)}`);
      assert.equal(check.sockets.length - listening.length, check.ready, 'the other sockets are the ready upstream connections');
      const upstreamSide = check.sockets.filter((s) => s.state !== 'LISTEN' && s.remote.endsWith(`:${upstream!.port}`));
      assert.equal(upstreamSide.length, check.ready, 'every non-listening socket is an upstream connection');
      assert.equal(upstream!.sockets.size, check.ready, 'the upstream sees exactly the ready connections open');
      t.diagnostic(`idle: ${check.ready} ready upstream connections + ${check.listeners} listening sockets`);
    });
  });
}

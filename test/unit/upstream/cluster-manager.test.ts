/** ClusterManager (main) and ThreadLocalClusterManager (worker): snapshots, DNS, generations, drains. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatsStore } from '../../../src/stats/stats-store.ts';
import { ClusterManager, MissingResolverError } from '../../../src/upstream/cluster-manager.ts';
import { NO_HEALTHY_HOST } from '../../../src/upstream/lb-types.ts';
import type { WorkerHost } from '../../../src/upstream/host.ts';
import type { ClusterManagerSnapshot } from '../../../src/upstream/snapshot-types.ts';
import { ThreadLocalClusterManager } from '../../../src/upstream/thread-local-cluster-manager.ts';
import type { ClusterConfig } from '../../../src/upstream/types.ts';
import { HostRemovedError } from '../../../src/upstream/upstream-errors.ts';
import { FakeConnector, flush } from '../../support/fake-socket.ts';
import { ManualClock } from '../../support/manual-clock.ts';
import { TestRequest } from './pool-fixture.ts';

function cluster(name: string, over: Partial<ClusterConfig> = {}): ClusterConfig {
  return {
    name,
    type: 'static',
    lbPolicy: 'round_robin',
    connectTimeoutMs: 1000,
    endpoints: [{ address: '127.0.0.1', port: 9001, weight: 1 }],
    circuitBreakers: { maxConnections: 1024, maxPendingRequests: 1024, maxRequests: 1024, maxRetries: 3 },
    idleTimeoutMs: 60_000,
    maxRequestsPerConnection: 0,
    dnsRefreshRateMs: 5000,
    ...over,
  };
}

/** A resolver whose answers the test sets per name. */
class FakeResolver {
  answers = new Map<string, string[] | Error>();
  calls: string[] = [];
  readonly resolve = (name: string): Promise<string[]> => {
    this.calls.push(name);
    const a = this.answers.get(name);
    if (a instanceof Error) return Promise.reject(a);
    return Promise.resolve(a ?? []);
  };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 4; i++) await flush();
}

/** Main plus one worker, with snapshots delivered through structured clone like postMessage. */
function setup(configs: ClusterConfig[], resolver?: FakeResolver, workerIndex = 0) {
  const clock = new ManualClock();
  const connector = new FakeConnector();
  const workerStore = new StatsStore();
  const mainStore = new StatsStore();
  const tlcm = new ThreadLocalClusterManager({
    workerIndex,
    connect: connector.connect,
    clock,
    stats: workerStore,
    random: () => 0.5,
    maintenanceIntervalMs: 0,
  });
  const snapshots: ClusterManagerSnapshot[] = [];
  const cm = new ClusterManager(configs, {
    clock,
    resolve: resolver?.resolve,
    stats: mainStore,
    onSnapshot: (s) => {
      snapshots.push(s);
      tlcm.applySnapshot(structuredClone(s));
    },
  });
  tlcm.applySnapshot(structuredClone(cm.snapshot()));
  let id = 100;
  /** Send a request through the worker the way the request path does. */
  const send = (clusterName: string, protocol: 'http/1.1' | 'http/1.0' = 'http/1.1') => {
    const c = tlcm.getCluster(clusterName)!;
    const host = c.chooseHost();
    assert.notEqual(host, NO_HEALTHY_HOST);
    const req = new TestRequest(id++);
    req.handle = c.pool(host as WorkerHost, protocol).newStream(req);
    return { req, host: host as WorkerHost };
  };
  return { clock, connector, workerStore, mainStore, tlcm, cm, snapshots, send };
}

describe('ClusterManager', () => {
  it('publishes an immutable, structured-clone-able snapshot whose breaker table is shared memory', () => {
    const cm = new ClusterManager([cluster('backend', { endpoints: [{ address: '10.0.0.1', port: 80, weight: 2 }] })], {
      clock: new ManualClock(),
    });
    const s = cm.snapshot();
    assert.ok(Object.isFrozen(s));
    assert.ok(Object.isFrozen(s.clusters[0]!.hosts[0]));
    const copy = structuredClone(s);
    assert.deepEqual(copy.clusters[0]!.hosts, [
      { key: '10.0.0.1:80', address: '10.0.0.1', port: 80, weight: 2, health: { failedActiveHealthCheck: false, failedOutlierCheck: false } },
    ]);
    new Int32Array(copy.clusters[0]!.breakerBuffer)[0] = 7;
    assert.equal(cm.getCluster('backend')!.circuitBreakers.connections, 7, 'a worker writing its copy is seen by main');
  });

  it('refuses a DNS cluster without a resolver', () => {
    assert.throws(
      () => new ClusterManager([cluster('d', { type: 'strict_dns' })], { clock: new ManualClock() }),
      MissingResolverError,
    );
  });

  it('strict_dns: new addresses become hosts, vanished ones drain, unchanged ones keep warm pools', async () => {
    const resolver = new FakeResolver();
    resolver.answers.set('backend.internal', ['10.0.0.1', '10.0.0.2']);
    const f = setup(
      [cluster('dns', { type: 'strict_dns', endpoints: [{ address: 'backend.internal', port: 8080, weight: 1 }] })],
      resolver,
    );
    assert.equal(f.tlcm.getCluster('dns')!.chooseHost(), NO_HEALTHY_HOST, 'no hosts before the first answer');
    await f.cm.initialize();
    assert.deepEqual(
      f.cm.getCluster('dns')!.hosts.map((h) => h.key),
      ['10.0.0.1:8080', '10.0.0.2:8080'],
    );
    const c = f.tlcm.getCluster('dns')!;
    assert.deepEqual(c.hosts().map((h) => h.key), ['10.0.0.1:8080', '10.0.0.2:8080']);

    // One request to each host; the first finishes (its connection idles), the second stays busy.
    const r1 = f.send('dns');
    const r2 = f.send('dns');
    assert.notEqual(r1.host, r2.host);
    for (const a of f.connector.open()) a.succeed();
    await flush();
    const first = r1.host.key === '10.0.0.1:8080' ? r1 : r2;
    const second = first === r1 ? r2 : r1;
    first.req.finish(true);
    const keptPool = c.pool(second.host, 'http/1.1');
    const s1 = f.connector.attempts.find((a) => a.host === '10.0.0.1')!.socket!;

    // .1 vanishes, .3 appears.
    resolver.answers.set('backend.internal', ['10.0.0.2', '10.0.0.3']);
    f.clock.advance(5000);
    await settle();
    assert.deepEqual(c.hosts().map((h) => h.key), ['10.0.0.2:8080', '10.0.0.3:8080']);
    assert.equal(s1.destroyed, true, "the vanished host's idle connection is closed");
    assert.equal(first.host.removed, true);
    assert.throws(() => c.pool(first.host, 'http/1.1'), HostRemovedError);
    assert.equal(c.pool(second.host, 'http/1.1'), keptPool, 'the unchanged host keeps its warm pool');
    const picked = new Set(Array.from({ length: 4 }, () => (c.chooseHost() as WorkerHost).key));
    assert.deepEqual([...picked].sort(), ['10.0.0.2:8080', '10.0.0.3:8080']);
  });

  it('strict_dns: a vanished host with a request in flight drains after the response', async () => {
    const resolver = new FakeResolver();
    resolver.answers.set('b', ['10.0.0.1']);
    const f = setup([cluster('dns', { type: 'strict_dns', endpoints: [{ address: 'b', port: 80, weight: 1 }] })], resolver);
    await f.cm.initialize();
    const { req } = f.send('dns');
    f.connector.last().succeed();
    await flush();
    resolver.answers.set('b', ['10.0.0.9']);
    f.clock.advance(5000);
    await settle();
    assert.deepEqual(f.tlcm.poolSnapshot(), {
      dns: { '10.0.0.1:80': [{ protocol: 'http/1.1', draining: true, ready: 0, busy: 1, connecting: 0, pending: 0 }] },
    });
    const sock = f.connector.last().socket!;
    req.finish(true);
    assert.equal(sock.destroyed, true, 'closed after its response, not reused');
    assert.deepEqual(f.tlcm.poolSnapshot(), { dns: {} }, 'the drained pool is gone');
  });

  it('strict_dns: a failed lookup keeps the previous hosts', async () => {
    const resolver = new FakeResolver();
    resolver.answers.set('b', ['10.0.0.1']);
    const f = setup([cluster('dns', { type: 'strict_dns', endpoints: [{ address: 'b', port: 80, weight: 1 }] })], resolver);
    await f.cm.initialize();
    const before = f.snapshots.length;
    resolver.answers.set('b', new Error('SERVFAIL'));
    f.clock.advance(5000);
    await settle();
    assert.equal(f.snapshots.length, before, 'nothing changed, nothing published');
    assert.deepEqual(f.cm.getCluster('dns')!.hosts.map((h) => h.key), ['10.0.0.1:80']);
    assert.equal(resolver.calls.length, 2);
  });

  it('logical_dns: one host whose address follows DNS; its pool survives the change', async () => {
    const resolver = new FakeResolver();
    resolver.answers.set('api.example', ['10.0.0.1', '10.0.0.2']);
    const f = setup(
      [cluster('logical', { type: 'logical_dns', endpoints: [{ address: 'api.example', port: 443, weight: 1 }] })],
      resolver,
    );
    await f.cm.initialize();
    const hosts = f.cm.getCluster('logical')!.hosts;
    assert.equal(hosts.length, 1);
    assert.equal(hosts[0]!.key, 'api.example:443');
    assert.equal(hosts[0]!.address, '10.0.0.1');
    const { req, host } = f.send('logical');
    assert.equal(f.connector.last().host, '10.0.0.1');
    f.connector.last().succeed();
    await flush();
    const pool = f.tlcm.getCluster('logical')!.pool(host, 'http/1.1');
    resolver.answers.set('api.example', ['10.0.0.7']);
    f.clock.advance(5000);
    await settle();
    assert.equal(f.tlcm.getCluster('logical')!.pool(host, 'http/1.1'), pool);
    assert.equal(host.address, '10.0.0.7');
    f.send('logical');
    assert.equal(f.connector.last().host, '10.0.0.7', 'new connections use the new address');
    assert.equal(req.conn!.address, '10.0.0.1', 'the existing connection is untouched');
  });

  it('applyConfig: a new generation adds, changes and removes clusters; removed clusters drain', async () => {
    const f = setup([cluster('a'), cluster('b', { endpoints: [{ address: '127.0.0.2', port: 80, weight: 1 }] })]);
    const ra = f.send('a');
    const rb = f.send('b');
    for (const at of f.connector.open()) at.succeed();
    await flush();
    ra.req.finish(true);
    const poolA = f.tlcm.getCluster('a')!.pool(ra.host, 'http/1.1');
    let drained = false;

    await f.cm.applyConfig([
      cluster('a', { circuitBreakers: { maxConnections: 5, maxPendingRequests: 5, maxRequests: 5, maxRetries: 1 } }),
      cluster('c'),
    ]);
    assert.equal(f.cm.generation, 1);
    assert.equal(f.tlcm.generation, 1);
    assert.deepEqual(f.tlcm.clusterNames().sort(), ['a', 'c']);
    assert.equal(f.tlcm.getCluster('a')!.pool(ra.host, 'http/1.1'), poolA, 'a changed cluster keeps its pools');
    assert.equal(f.tlcm.getCluster('a')!.breakers.getLimits().maxConnections, 5);
    assert.equal(f.cm.getCluster('a')!.circuitBreakers.limits.maxConnections, 5);
    assert.equal(f.mainStore.value('cluster_manager.cluster_added'), 1);
    assert.equal(f.mainStore.value('cluster_manager.cluster_modified'), 1);
    assert.equal(f.mainStore.value('cluster_manager.cluster_removed'), 1);
    const report = f.tlcm.poolSnapshot();
    assert.deepEqual(report.b, {
      '127.0.0.2:80': [{ protocol: 'http/1.1', draining: true, ready: 0, busy: 1, connecting: 0, pending: 0 }],
    });
    f.tlcm.drainAll(() => {
      drained = true;
    });
    assert.equal(drained, false, 'b still has a request in flight');
    rb.req.finish(true);
    assert.equal(drained, true);
  });

  it('health changes reach the worker: an unhealthy host is skipped but keeps its pools', async () => {
    const f = setup([
      cluster('a', {
        endpoints: [
          { address: '10.0.0.1', port: 80, weight: 1 },
          { address: '10.0.0.2', port: 80, weight: 1 },
        ],
      }),
    ]);
    const c = f.tlcm.getCluster('a')!;
    const h1 = c.host('10.0.0.1:80')!;
    const pool = c.pool(h1, 'http/1.1');
    assert.equal(f.cm.setHostHealth('a', '10.0.0.1:80', { failedActiveHealthCheck: true }), true);
    assert.equal(f.cm.setHostHealth('a', '10.0.0.1:80', { failedActiveHealthCheck: true }), false, 'no change');
    for (let i = 0; i < 10; i++) assert.equal((c.chooseHost() as WorkerHost).key, '10.0.0.2:80');
    assert.equal(c.pool(h1, 'http/1.1'), pool);
    assert.equal(f.mainStore.value('cluster.a.membership_healthy'), 1);
    assert.equal(f.mainStore.value('cluster.a.membership_total'), 2);
    f.cm.setHostHealth('a', '10.0.0.2:80', { failedOutlierCheck: true });
    assert.equal(c.chooseHost(), NO_HEALTHY_HOST);
    assert.equal(f.workerStore.value('cluster.a.upstream_cx_none_healthy'), 1);
  });

  it('round robin keeps its rotation through snapshots that do not change its hosts', () => {
    const eps = (n: number) => Array.from({ length: n }, (_, i) => ({ address: `10.0.0.${i + 1}`, port: 80, weight: 1 }));
    const f = setup([cluster('a', { endpoints: eps(3) }), cluster('b', { endpoints: [{ address: '10.0.1.1', port: 80, weight: 1 }] })]);
    const c = f.tlcm.getCluster('a')!;
    const picks: string[] = [];
    for (let i = 0; i < 6; i++) {
      picks.push((c.chooseHost() as WorkerHost).key);
      // A health flip in cluster b publishes a snapshot that reaches cluster a too.
      f.cm.setHostHealth('b', '10.0.1.1:80', { failedActiveHealthCheck: i % 2 === 0 });
    }
    const before = f.snapshots.length;
    assert.ok(before >= 6, 'each flip published a snapshot');
    assert.deepEqual(picks, ['10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80', '10.0.0.1:80', '10.0.0.2:80', '10.0.0.3:80']);
  });

  it('new hosts can start with the health a health checker gives them', () => {
    const cm = new ClusterManager([cluster('a')], {
      clock: new ManualClock(),
      initialHostHealth: () => ({ failedActiveHealthCheck: true, failedOutlierCheck: false }),
    });
    assert.equal(cm.snapshot().clusters[0]!.hosts[0]!.health.failedActiveHealthCheck, true);
  });

  it('HTTP/1.0 and HTTP/1.1 requests to one host use different pools, both in the pool report', async () => {
    const f = setup([cluster('a')]);
    f.send('a', 'http/1.1');
    f.send('a', 'http/1.0');
    assert.equal(f.connector.attempts.length, 2);
    assert.deepEqual(f.tlcm.poolSnapshot(), {
      a: {
        '127.0.0.1:9001': [
          { protocol: 'http/1.1', draining: false, ready: 0, busy: 0, connecting: 1, pending: 1 },
          { protocol: 'http/1.0', draining: false, ready: 0, busy: 0, connecting: 1, pending: 1 },
        ],
      },
    });
  });

  it('computed gauges expose circuit-breaker state on main', () => {
    const f = setup([cluster('a', { circuitBreakers: { maxConnections: 1, maxPendingRequests: 9, maxRequests: 9, maxRetries: 1 } })]);
    f.send('a');
    f.cm.updateComputedStats();
    assert.equal(f.mainStore.value('cluster.a.circuit_breakers.default.cx_open'), 1);
    assert.equal(f.mainStore.value('cluster.a.circuit_breakers.default.remaining_cx'), 0);
    assert.equal(f.mainStore.value('cluster.a.circuit_breakers.default.remaining_pending'), 8);
    assert.equal(f.mainStore.value('cluster_manager.active_clusters'), 1);
  });
});

describe('max_connections across workers', () => {
  /** Two workers on one ClusterManager; snapshots cloned per worker like postMessage. */
  function twoWorkers(maxConnections: number) {
    const clock = new ManualClock();
    const cm = new ClusterManager(
      [cluster('a', { circuitBreakers: { maxConnections, maxPendingRequests: 100, maxRequests: 100, maxRetries: 1 } })],
      { clock },
    );
    const workers = [0, 1].map((workerIndex) => {
      const connector = new FakeConnector();
      const tlcm = new ThreadLocalClusterManager({
        workerIndex,
        connect: connector.connect,
        clock,
        stats: new StatsStore(),
        maintenanceIntervalMs: 25,
      });
      tlcm.applySnapshot(structuredClone(cm.snapshot()));
      let id = workerIndex * 1000;
      const send = () => {
        const c = tlcm.getCluster('a')!;
        const req = new TestRequest(id++);
        req.handle = c.pool(c.chooseHost() as WorkerHost, 'http/1.1').newStream(req);
        return req;
      };
      const liveConnections = () => connector.attempts.filter((a) => !a.settled || (a.socket && !a.socket.destroyed)).length;
      return { connector, tlcm, send, liveConnections };
    });
    const total = () => workers[0]!.liveConnections() + workers[1]!.liveConnections();
    return { clock, cm, workers, total };
  }

  it('a worker with no connections is not starved by idle connections of another worker', async () => {
    const { clock, workers, total, cm } = twoWorkers(2);
    const [w0, w1] = workers as [(typeof workers)[0], (typeof workers)[0]];
    const a = w0.send();
    const b = w0.send();
    for (const at of w0.connector.open()) at.succeed();
    await flush();
    a.finish(true);
    b.finish(true); // worker 0 now holds 2 idle connections: the whole cluster limit
    const c = w1.send();
    assert.equal(w1.connector.attempts.length, 0, 'over the limit: worker 1 must wait');
    assert.equal(total(), 2);
    clock.advance(25); // worker 0 sees a waiter and gives an idle connection back; worker 1 takes it
    clock.advance(25);
    assert.equal(w1.connector.attempts.length, 1);
    assert.ok(total() <= 2);
    w1.connector.last().succeed();
    await flush();
    assert.ok(c.conn, 'the starved request is served');
    assert.equal(cm.getCluster('a')!.circuitBreakers.connections, 2);
    for (const w of workers) w.tlcm.close();
  });

  it('a busy connection released while another worker waits is handed over, never exceeding the limit', async () => {
    const { clock, workers, total } = twoWorkers(2);
    const [w0, w1] = workers as [(typeof workers)[0], (typeof workers)[0]];
    const busy = [w0.send(), w0.send()];
    for (const at of w0.connector.open()) at.succeed();
    await flush();
    const waiting = [w1.send(), w1.send()];
    assert.equal(w1.connector.attempts.length, 0);
    busy[0]!.finish(true); // closed instead of idling; its slot is reserved for worker 1
    assert.ok(total() <= 2);
    const again = w0.send(); // worker 0 cannot take the reserved slot back
    assert.equal(w0.connector.attempts.length, 2);
    clock.advance(25);
    assert.equal(w1.connector.attempts.length, 1);
    assert.ok(total() <= 2);
    w1.connector.last().succeed();
    await flush();
    assert.ok(waiting[0]!.conn);
    busy[1]!.finish(true); // worker 0's own waiting request is served on it first (table row)
    assert.ok(again.conn);
    again.finish(true); // now nothing waits on worker 0: the slot goes to worker 1
    clock.advance(25);
    assert.equal(w1.connector.attempts.length, 2);
    assert.ok(total() <= 2);
    for (const w of workers) w.tlcm.close();
  });

  it('main gives back what a dead worker held', async () => {
    const { workers, cm } = twoWorkers(2);
    workers[1]!.send();
    workers[1]!.send();
    assert.equal(cm.getCluster('a')!.circuitBreakers.connections, 2);
    cm.releaseWorker(1);
    assert.equal(cm.getCluster('a')!.circuitBreakers.connections, 0);
    assert.equal(cm.getCluster('a')!.circuitBreakers.pendingRequests, 0);
    for (const w of workers) w.tlcm.close();
  });
});

/** Hot reload under a steady stream of requests: POST /admin/reload, SIGHUP, an invalid file, and --watch. */
import assert from 'node:assert/strict';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ClustersResponse, ServerInfo } from '../../src/admin/types.ts';
import { endpoint, prefixRoute, proxyConfig } from './support/config.ts';
import { freePort, RUNTIMES, startProxy, type ProxyProcess } from './support/proxy-process.ts';
import { adminJson, get, Load, waitUntil } from './support/traffic.ts';
import { startUpstream, type Handler, type Upstream } from './support/upstreams.ts';

/** A reload must show in the traffic within this long. */
const SWITCH_WITHIN_MS = 1000;

/** Answers after `delayMs` with its name in `x-upstream`, so requests overlap the reload. */
function delayed(delayMs: number): Handler {
  return (req, res, up) => {
    req.resume();
    const t = setTimeout(() => {
      res.writeHead(200, { 'content-type': 'text/plain', 'x-upstream': up.name });
      res.end(up.name);
    }, delayMs);
    res.on('close', () => clearTimeout(t));
  };
}
const handler = delayed(5);

interface Shape {
  /** Cluster of the `/r/` route. */
  r: string;
  /** Cluster of the catch-all route. */
  root: string;
  /** Upstreams of cluster `blue` (cluster `green` is always upstream c). */
  blue: Upstream[];
}

function configYaml(port: number, green: Upstream, s: Shape, workers = 2): string {
  return proxyConfig({
    port,
    workers,
    drainTimeout: '2s',
    routes: [prefixRoute('/r/', s.r), prefixRoute('/', s.root)],
    clusters: [
      { name: 'blue', endpoints: s.blue.map((u) => endpoint(u.port)) },
      { name: 'green', endpoints: [endpoint(green.port)] },
    ],
  });
}

/** Ports of the hosts `/admin/clusters` lists for `cluster`, and of hosts any worker still has pools for. */
async function hostPorts(adminPort: number, cluster: string): Promise<{ listed: number[]; pooled: number[] }> {
  const body = await adminJson<ClustersResponse>(adminPort, '/admin/clusters');
  const c = body.cluster_statuses.find((x) => x.name === cluster);
  const listed = c ? c.host_statuses.map((h) => h.address.socket_address.port_value) : [];
  const pooled = c ? c.host_statuses.filter((h) => h.pools.length > 0).map((h) => h.address.socket_address.port_value) : [];
  return { listed, pooled };
}

async function generation(adminPort: number): Promise<number | undefined> {
  return (await adminJson<ServerInfo>(adminPort, '/admin/server_info')).config_generation;
}

/** Every request of `load` to `prefix` that started `SWITCH_WITHIN_MS` after `t0` was answered by `want`; at least one was. */
function assertSwitched(load: Load, t0: number, prefix: (p: string) => boolean, want: string): void {
  const late = load.results.filter((r) => prefix(r.path) && r.startedAt >= t0 + SWITCH_WITHIN_MS);
  assert.ok(late.length > 0, 'requests ran after the switch');
  const wrong = late.filter((r) => r.upstream !== want);
  assert.deepEqual(
    wrong.map((r) => `${r.path} → ${r.upstream} at +${Math.round(r.startedAt - t0)} ms`),
    [],
    `answered by ${want} from ${SWITCH_WITHIN_MS} ms after the reload on`,
  );
}

const isR = (p: string) => p.startsWith('/r/');
const isRoot = (p: string) => !p.startsWith('/r/');

for (const runtime of RUNTIMES) {
  describe(`hot reload under load (${runtime})`, () => {
    let a: Upstream, b: Upstream, c: Upstream;
    let proxy: ProxyProcess | undefined;
    let port = 0;
    let configPath = '';
    let load: Load | undefined;

    const write = (s: Shape) => writeFileSync(configPath, configYaml(port, c, s));

    before(async () => {
      // b, the host the reload removes, is slow: the reload always catches requests in flight on it.
      [a, b, c] = [await startUpstream('a', handler), await startUpstream('b', delayed(300)), await startUpstream('c', handler)];
      port = await freePort();
      proxy = await startProxy({ runtime, config: configYaml(port, c, { r: 'blue', root: 'blue', blue: [a, b] }) });
      configPath = join(proxy.dir, 'config.yaml');
      load = new Load({ port, concurrency: 6, path: (n) => (n % 2 === 0 ? `/r/${n}` : `/${n}`), gapMs: 2 });
      await waitUntil('both blue hosts to serve', () => a.requests > 10 && b.requests > 10, 10_000);
    });

    after(async () => {
      await load?.stop();
      await proxy?.stop();
      await Promise.all([a, b, c].map((u) => u?.close()));
    });

    it('POST /admin/reload moves a route to another cluster within 1 s and drains a removed host, failing no request', async () => {
      const admin = proxy!.adminPort;
      assert.equal(await generation(admin), 0);
      write({ r: 'green', root: 'blue', blue: [a] });
      const t0 = performance.now();
      const inFlightOnB = b.inFlight;
      const aClosed = a.connections - a.openConnections;
      const r = await get(admin, '/admin/reload', { method: 'POST' });
      assert.equal(r.status, 200, r.body);
      assert.ok(inFlightOnB > 0, 'the reload caught requests in flight on the removed host');
      assert.deepEqual(JSON.parse(r.body), { ok: true, generation: 1, warnings: [] });
      assert.equal(await generation(admin), 1);

      // b's pools drain: its connections close and no worker lists a pool for it.
      await waitUntil('b to be gone from /admin/clusters', async () => {
        const { listed } = await hostPorts(admin, 'blue');
        return listed.length === 1 && listed[0] === a.port;
      }, 3000);
      await waitUntil('b\'s connections to close', () => b.openConnections === 0, 3000);
      const bRequests = b.requests;
      await waitUntil('1 s of traffic after the reload', () => performance.now() > t0 + SWITCH_WITHIN_MS + 500, 3000);
      assert.equal(b.requests, bRequests, 'no request reaches the removed host');
      assertSwitched(load!, t0, isR, 'c');
      assertSwitched(load!, t0, isRoot, 'a');
      const green = await hostPorts(admin, 'green');
      assert.deepEqual(green.pooled, [c.port], 'the new route warmed green\'s pools');
      assert.equal(a.connections - a.openConnections, aClosed, 'the unchanged host kept its warm connections');
      assert.deepEqual(load!.failures(), []);
    });

    it('SIGHUP reloads the file too', async () => {
      const admin = proxy!.adminPort;
      write({ r: 'green', root: 'green', blue: [a] });
      const t0 = performance.now();
      proxy!.kill('SIGHUP');
      await proxy!.waitForLog((l) => l.msg === 'config reloaded: generation 2', 3000);
      await waitUntil('1 s of traffic after SIGHUP', () => performance.now() > t0 + SWITCH_WITHIN_MS + 500, 3000);
      assertSwitched(load!, t0, isRoot, 'c');
      assert.equal(await generation(admin), 2);
      assert.deepEqual(load!.failures(), []);
    });

    it('an invalid file keeps the old config serving and POST /admin/reload answers 400 with the errors', async () => {
      const admin = proxy!.adminPort;
      writeFileSync(
        configPath,
        // Two mistakes: a route to a missing cluster and an endpoint port out of range.
        configYaml(port, c, { r: 'nosuch', root: 'green', blue: [{ port: 70000 } as Upstream] }),
      );
      const t0 = performance.now();
      const r = await get(admin, '/admin/reload', { method: 'POST' });
      assert.equal(r.status, 400, r.body);
      const body = JSON.parse(r.body) as { ok: boolean; errors: string[] };
      assert.equal(body.ok, false);
      assert.ok(body.errors.length > 0);
      const all = body.errors.join('\n');
      assert.match(all, /clusters\[0\]\.endpoints\[0\]\.port/, all);
      assert.match(all, /config\.yaml/, 'errors name the file');
      await proxy!.waitForLog((l) => l.msg.startsWith('reload rejected'), 1000);
      assert.equal(await generation(admin), 2, 'the generation did not change');
      await waitUntil('traffic after the rejected reload', () => performance.now() > t0 + 500, 2000);
      assertSwitched(load!, t0 - SWITCH_WITHIN_MS, isR, 'c');
      assertSwitched(load!, t0 - SWITCH_WITHIN_MS, isRoot, 'c');
      assert.deepEqual(load!.failures(), []);
    });

    it('sent a steady stream of requests through all reloads without a failure', async () => {
      const l = load!;
      await l.stop();
      load = undefined;
      assert.ok(l.results.length > 200, `requests sent: ${l.results.length}`);
      assert.deepEqual(l.failures(), []);
    });
  });

  describe(`reload removing a host that has requests queued (${runtime})`, () => {
    let a: Upstream, b: Upstream;
    let proxy: ProxyProcess | undefined;
    let port = 0;
    let load: Load | undefined;
    /** Two connections for the whole cluster: requests queue in the pools. */
    const yaml = (hosts: Upstream[]) =>
      proxyConfig({
        port,
        workers: 2,
        drainTimeout: '2s',
        routes: [prefixRoute('/', 'blue')],
        clusters: [{ name: 'blue', circuit_breakers: { max_connections: 2 }, endpoints: hosts.map((u) => endpoint(u.port)) }],
      });

    before(async () => {
      [a, b] = [await startUpstream('a', delayed(20)), await startUpstream('b', delayed(100))];
      port = await freePort();
      proxy = await startProxy({ runtime, config: yaml([a, b]) });
      load = new Load({ port, concurrency: 8 });
    });

    after(async () => {
      await load?.stop();
      await proxy?.stop();
      await Promise.all([a, b].map((u) => u?.close()));
    });

    it('hands the removed host\'s queued requests to the remaining host instead of failing them', async () => {
      const admin = proxy!.adminPort;
      // Reload at a moment when some worker has requests queued for b.
      await waitUntil('requests queued for b', async () => {
        const body = await adminJson<ClustersResponse>(admin, '/admin/clusters');
        const host = body.cluster_statuses[0]?.host_statuses.find((h) => h.address.socket_address.port_value === b.port);
        return host?.pools.some((p) => 'pending' in p && p.pending > 0);
      }, 5000, 10);
      writeFileSync(join(proxy!.dir, 'config.yaml'), yaml([a]));
      const r = await get(admin, '/admin/reload', { method: 'POST' });
      assert.equal(r.status, 200, r.body);
      await waitUntil('b\'s connections to close', () => b.openConnections === 0, 3000);
      const l = load!;
      await l.stop();
      load = undefined;
      assert.deepEqual(l.failures().map((f) => `${f.status} ${f.error ?? ''}`), []);
    });
  });

  describe(`--watch (${runtime})`, () => {
    let b: Upstream, c: Upstream;
    let proxy: ProxyProcess | undefined;
    let port = 0;

    before(async () => {
      [b, c] = [await startUpstream('b', handler), await startUpstream('c', handler)];
      port = await freePort();
      proxy = await startProxy({ runtime, config: configYaml(port, c, { r: 'blue', root: 'blue', blue: [b] }, 1), args: ['--watch'] });
    });

    after(async () => {
      await proxy?.stop();
      await Promise.all([b, c].map((u) => u?.close()));
    });

    it('picks up a rewritten config file', async () => {
      assert.equal((await get(port, '/r/x')).headers['x-upstream'], 'b');
      writeFileSync(join(proxy!.dir, 'config.yaml'), configYaml(port, c, { r: 'green', root: 'blue', blue: [b] }, 1));
      await waitUntil('/r/ to reach c', async () => (await get(port, '/r/x')).headers['x-upstream'] === 'c', 3000);
      assert.equal((await get(port, '/x')).headers['x-upstream'], 'b');
      assert.equal(await generation(proxy!.adminPort), 1);
    });

    it('picks up a file replaced by rename, as editors save', async () => {
      const dir = proxy!.dir;
      writeFileSync(join(dir, 'config.yaml.tmp'), configYaml(port, c, { r: 'green', root: 'green', blue: [b] }, 1));
      renameSync(join(dir, 'config.yaml.tmp'), join(dir, 'config.yaml'));
      await waitUntil('/ to reach c', async () => (await get(port, '/x')).headers['x-upstream'] === 'c', 3000);
      assert.equal(await generation(proxy!.adminPort), 2);
    });
  });
}

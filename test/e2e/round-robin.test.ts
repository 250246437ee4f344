/** Issue 5, acceptance 2: with one worker, round robin over 3 upstreams rotates exactly, visible in the responses. */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { endpoint, prefixRoute, proxyConfig } from './support/config.ts';
import { freePort, RUNTIMES, startProxy, type ProxyProcess } from './support/proxy-process.ts';
import { startUpstream, type Upstream } from './support/upstreams.ts';

const NAMES = ['a', 'b', 'c'];

/** fetch with a bound: a hung proxy fails the test instead of stalling the run. */
function fetchT(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(20_000) });
}

function configYaml(port: number, ups: Upstream[]): string {
  return proxyConfig({
    port,
    drainTimeout: '1s',
    routes: [prefixRoute('/', 'trio')],
    clusters: [{ name: 'trio', lb_policy: 'round_robin', endpoints: ups.map((u) => endpoint(u.port)) }],
  });
}

/** GET on a fresh connection (no agent): the rotation must not depend on client connections. */
function getFresh(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve(res.statusCode === 200 ? body : `status ${res.statusCode}`));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

/** Asserts `seen` is one fixed cyclic order of all three names, repeated. */
function assertRotation(seen: string[]): void {
  const cycle = seen.slice(0, 3);
  assert.deepEqual([...cycle].sort(), NAMES, `the first three answers name every upstream once: ${seen.join(',')}`);
  seen.forEach((name, i) => assert.equal(name, cycle[i % 3], `answer ${i} breaks the rotation: ${seen.join(',')}`));
}

for (const runtime of RUNTIMES) {
  describe(`round robin on ${runtime}`, () => {
    let proxy: ProxyProcess | undefined;
    const ups: Upstream[] = [];
    let port = 0;
    /** Every answer of this runtime's proxy, in order. */
    const seen: string[] = [];

    before(async () => {
      for (const n of NAMES) ups.push(await startUpstream(n));
      port = await freePort();
      proxy = await startProxy({ runtime, config: configYaml(port, ups) });
    });

    after(async () => {
      await proxy?.stop();
      for (const u of ups) await u.close();
    });

    it('rotates a,b,c in one fixed cyclic order over 30 keep-alive requests', async () => {
      for (let i = 0; i < 30; i++) {
        const r = await fetchT(`http://127.0.0.1:${port}/rr/${i}`);
        assert.equal(r.status, 200);
        const body = await r.text();
        assert.equal(r.headers.get('x-upstream'), body);
        seen.push(body);
      }
      assertRotation(seen);
      assert.deepEqual(
        ups.map((u) => u.requests),
        [10, 10, 10],
      );
    });

    it('continues the same rotation across new client connections', async () => {
      for (let i = 0; i < 30; i++) seen.push(await getFresh(port, `/fresh/${i}`));
      assertRotation(seen);
      assert.deepEqual(
        ups.map((u) => u.requests),
        [20, 20, 20],
      );
    });

    it('ran every scenario without a worker crash or an error log line', () => {
      const bad = proxy!.logs.filter((l) => l.level === 'error' || l.level === 'fatal').map((l) => l.msg);
      bad.push(...proxy!.stderr.filter((l) => /uncaught|Error:/.test(l)));
      assert.deepEqual(bad, []);
    });
  });
}

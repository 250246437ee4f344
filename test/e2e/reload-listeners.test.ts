/** Reloads that move a listener or touch start-only settings: the answer says what took effect, and nothing stops serving. */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { parse } from 'yaml';
import type { ServerInfo } from '../../src/admin/types.ts';
import { endpoint, prefixRoute, proxyConfig } from './support/config.ts';
import { freePort, RUNTIMES, startProxy, type ProxyProcess } from './support/proxy-process.ts';
import { adminJson, get } from './support/traffic.ts';
import { startUpstream, type Upstream } from './support/upstreams.ts';

interface ReloadAnswer {
  ok: boolean;
  applied?: boolean;
  generation?: number;
  errors?: string[];
  warnings?: string[];
}

/** Holds `port` without SO_REUSEPORT, as another program would: a reuse-port bind to it fails. */
function holdPort(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const s = createServer((c) => c.destroy());
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

async function listenerPorts(admin: number): Promise<number[]> {
  const body = await adminJson<{ listener_statuses: { local_address: { socket_address: { port_value: number } } }[] }>(admin, '/admin/listeners');
  return body.listener_statuses.map((l) => l.local_address.socket_address.port_value);
}

/** The upstream that answered a GET through `port`, or the connection error's code. */
async function servedBy(port: number): Promise<string> {
  try {
    const r = await get(port, '/');
    return r.headers['x-upstream'] as string;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code ?? String(e);
  }
}

for (const runtime of RUNTIMES) {
  describe(`reload moving listeners (${runtime})`, () => {
    let a: Upstream, b: Upstream;
    let proxy: ProxyProcess | undefined;
    let configPath = '';
    let blocker: Server | undefined;

    const config = (port: number, cluster: string, extra: Record<string, unknown> = {}): string => {
      const doc = parse(
        proxyConfig({
          port,
          workers: 2,
          routes: [prefixRoute('/', cluster)],
          clusters: [
            { name: 'a', endpoints: [endpoint(a.port)] },
            { name: 'b', endpoints: [endpoint(b.port)] },
          ],
        }),
      ) as Record<string, unknown>;
      return JSON.stringify({ ...doc, ...extra });
    };
    const reload = async (yaml: string): Promise<{ status: number; body: ReloadAnswer }> => {
      writeFileSync(configPath, yaml);
      const r = await get(proxy!.adminPort, '/admin/reload', { method: 'POST' });
      return { status: r.status, body: JSON.parse(r.body) as ReloadAnswer };
    };

    let first = 0;
    before(async () => {
      [a, b] = [await startUpstream('a'), await startUpstream('b')];
      first = await freePort();
      proxy = await startProxy({ runtime, config: config(first, 'a') });
      configPath = join(proxy.dir, 'config.yaml');
      assert.equal(await servedBy(first), 'a');
    });

    after(async () => {
      await proxy?.stop();
      await new Promise<void>((r) => (blocker ? blocker.close(() => r()) : r()));
      await Promise.all([a, b].map((u) => u?.close()));
    });

    it('a move to a port another program holds is refused with 400 naming the listener, and nothing changes', async () => {
      const taken = await freePort();
      blocker = await holdPort(taken);
      const { status, body } = await reload(config(taken, 'b'));
      assert.equal(status, 400, JSON.stringify(body));
      assert.equal(body.errors?.length, 1, JSON.stringify(body));
      assert.match(body.errors?.[0] ?? '', new RegExp(`config\\.yaml: listeners\\[0\\] \\(ingress\\): .*127\\.0\\.0\\.1:${taken}.*another program holds this port`));
      assert.equal(await servedBy(first), 'a', 'the old routes still serve on the old port');
      assert.deepEqual(await listenerPorts(proxy!.adminPort), [first]);
      assert.equal((await adminJson<ServerInfo>(proxy!.adminPort, '/admin/server_info')).config_generation, 0);
    });

    it('a move to a free port serves there, closes the old port, and /admin/listeners shows the new one', async () => {
      const next = await freePort();
      const { status, body } = await reload(config(next, 'a'));
      assert.equal(status, 200, JSON.stringify(body));
      assert.deepEqual(body, { ok: true, generation: 1, warnings: [] });
      assert.equal(await servedBy(next), 'a');
      assert.equal(await servedBy(first), 'ECONNREFUSED');
      assert.deepEqual(await listenerPorts(proxy!.adminPort), [next]);
      first = next;
    });

    it('a change to admin or workers is kept for the next start and named in the answer', async () => {
      const adminPort = proxy!.adminPort;
      const wanted = await freePort();
      const { status, body } = await reload(config(first, 'b', { admin: { address: '127.0.0.1', port: wanted }, workers: 1 }));
      assert.equal(status, 200, JSON.stringify(body));
      assert.equal(body.warnings?.length, 2, JSON.stringify(body));
      assert.equal(body.warnings?.[0], `admin: 127.0.0.1:${wanted} applies on restart; the admin endpoint stays on 127.0.0.1:${adminPort}`);
      assert.match(body.warnings?.[1] ?? '', /^workers: 1 applies on restart; the proxy keeps its 2 worker setting$/);
      assert.equal(await servedBy(first), 'b', 'the rest of the file took effect');
      const dump = await adminJson<{ config: { admin: { port: number }; workers: number } }>(adminPort, '/admin/config_dump');
      assert.equal(dump.config.admin.port, adminPort, 'config_dump shows the admin port in effect (picked at start)');
      assert.equal(dump.config.workers, 2);
      assert.equal((await adminJson<ServerInfo>(adminPort, '/admin/server_info')).workers, 2);
    });
  });
}


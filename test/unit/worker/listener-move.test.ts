import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAdapter } from '../../../runtime-adapters/detect.ts';
import type { Listener, ListenOptions, RuntimeAdapter, Socket } from '../../../runtime-adapters/types.ts';
import { SocketError } from '../../../runtime-adapters/types.ts';
import { loadConfig } from '../../../src/config/index.ts';
import type { ProxyConfig } from '../../../src/config/types.ts';
import type { WorkerToMain } from '../../../src/ipc/messages.ts';
import { ClusterManager } from '../../../src/upstream/cluster-manager.ts';
import { realClock } from '../../../src/common/clock.ts';
import { toUpstreamCluster } from '../../../src/wiring/config-mapping.ts';
import { startRuntimeOnThisThread, type ThreadRuntime } from '../../support/thread-runtime.ts';
import { MemorySocket, tick } from '../../support/memory-runtime.ts';

const yaml = (port: number, cluster: string) => `
admin: { address: 127.0.0.1, port: 0 }
workers: 1
listeners:
  - name: ingress
    address: 127.0.0.1
    port: ${port}
    virtual_hosts:
      - name: all
        domains: ["*"]
        routes:
          - match: { prefix: / }
            cluster: ${cluster}
clusters:
  - name: a
    endpoints: [{ address: 127.0.0.1, port: 2 }]
  - name: b
    endpoints: [{ address: 127.0.0.1, port: 3 }]
`;

/**
 * Binds in memory: ports in `taken` fail with EADDRINUSE; `open` maps what is bound now to its
 * accept callback. Upstream connects are recorded by port and never answered.
 */
function memoryListeners(taken: Set<number>) {
  const open = new Map<number, (s: Socket) => void>();
  const events: string[] = [];
  const connects: number[] = [];
  const real = createAdapter();
  const adapter: RuntimeAdapter = Object.create(real, {
    connect: {
      value: (o: { port: number }): Promise<Socket> => {
        connects.push(o.port);
        return Promise.resolve(new MemorySocket(false));
      },
    },
    listen: {
      value: (o: ListenOptions, accept: (s: Socket) => void): Promise<Listener> => {
        if (taken.has(o.port)) return Promise.reject(new SocketError('EADDRINUSE', `listen ${o.host}:${o.port}: address in use`));
        open.set(o.port, accept);
        events.push(`bind ${o.port}`);
        return Promise.resolve({
          host: o.host,
          port: o.port,
          close: () => {
            open.delete(o.port);
            events.push(`close ${o.port}`);
            return Promise.resolve();
          },
        });
      },
    },
  });
  return { adapter, open, events, connects };
}

async function parse(text: string): Promise<ProxyConfig> {
  return loadConfig(() => Promise.resolve(text), 'test.yaml', () => undefined);
}

describe('a reload that moves a listener', () => {
  const taken = new Set<number>([7001]);
  const net = memoryListeners(taken);
  const posted: WorkerToMain[] = [];
  let rt: ThreadRuntime;
  let generation = 0;

  /** Pushes `text` as the next generation and returns the worker's answer. */
  async function push(text: string): Promise<Extract<WorkerToMain, { t: 'generation-applied' }>> {
    const config = await parse(text);
    const cm = new ClusterManager(config.clusters.map(toUpstreamCluster), { clock: realClock(() => net.adapter.now()) });
    await cm.initialize();
    generation++;
    rt.runtime.onMessage({ t: 'generation', snapshot: { generation, config, clusters: cm.snapshot() } });
    cm.close();
    for (let i = 0; i < 100; i++) {
      const m = posted.find((p) => p.t === 'generation-applied' && p.generation === generation);
      if (m !== undefined && m.t === 'generation-applied') return m;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`no answer for generation ${generation}`);
  }

  before(async () => {
    rt = await startRuntimeOnThisThread(net.adapter, await parse(yaml(7000, 'a')), { postMessage: (m) => posted.push(m as WorkerToMain), onMessage: () => {} });
  });
  after(async () => {
    await rt.stop();
  });

  it('binds the new port before it closes the old one', async () => {
    net.events.length = 0;
    const answer = await push(yaml(7002, 'a'));
    assert.deepEqual(answer.errors, []);
    assert.deepEqual(answer.listeners, [{ name: 'ingress', host: '127.0.0.1', port: 7002 }]);
    assert.deepEqual(net.events, ['bind 7002', 'close 7000']);
  });

  it('keeps the old port, with the new routes, when the new one is taken, and says so', async () => {
    net.events.length = 0;
    const answer = await push(yaml(7001, 'b'));
    assert.deepEqual(answer.errors, ['listener ingress: listen 127.0.0.1:7001: address in use; it keeps serving on 127.0.0.1:7002']);
    assert.deepEqual(answer.listeners, [{ name: 'ingress', host: '127.0.0.1', port: 7002 }]);
    assert.deepEqual(net.events, [], 'the old socket was not closed');
    assert.deepEqual([...net.open.keys()], [7002]);
    const client = new MemorySocket(false);
    net.open.get(7002)!(client);
    client.feed(new TextEncoder().encode('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await tick();
    assert.deepEqual(net.connects, [3], 'the request went to cluster b, the new route');
    client.peerClose();
  });
});

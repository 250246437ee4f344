/** A worker runtime on this thread with its network in memory, driven through config generations as main would drive it. */
import { createAdapter } from '../../runtime-adapters/detect.ts';
import type { Listener, ListenOptions, RuntimeAdapter, Socket } from '../../runtime-adapters/types.ts';
import { SocketError } from '../../runtime-adapters/types.ts';
import { loadConfig } from '../../src/config/index.ts';
import type { WorkerToMain } from '../../src/ipc/messages.ts';
import { toUpstreamCluster } from '../../src/wiring/config-mapping.ts';
import { MemorySocket, tick } from './memory-runtime.ts';
import { startRuntimeOnThisThread, type ThreadRuntime } from './thread-runtime.ts';

type Applied = Extract<WorkerToMain, { t: 'generation-applied' }>;

export interface GenerationRuntime {
  readonly runtime: ThreadRuntime;
  /** Bound ports and their accept callbacks. */
  readonly open: Map<number, (s: Socket) => void>;
  /** `bind P` / `close P`, in order. */
  readonly events: string[];
  /** Every upstream connect: its port and the socket the worker got. */
  readonly connects: { port: number; socket: MemorySocket }[];
  /** A client connection accepted on `port`. */
  accept(port: number): MemorySocket;
  /** Push `yaml` as the next generation; resolves with the worker's answer. */
  push(yaml: string): Promise<Applied>;
  stop(): Promise<void>;
}

/** Ports in `taken` fail to bind with EADDRINUSE. */
export async function startGenerationRuntime(yaml: string, taken: ReadonlySet<number> = new Set()): Promise<GenerationRuntime> {
  const open = new Map<number, (s: Socket) => void>();
  const events: string[] = [];
  const connects: { port: number; socket: MemorySocket }[] = [];
  const real = createAdapter();
  const adapter: RuntimeAdapter = Object.create(real, {
    connect: {
      value: (o: { port: number }): Promise<Socket> => {
        const socket = new MemorySocket(true);
        connects.push({ port: o.port, socket });
        return Promise.resolve(socket);
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
  const posted: WorkerToMain[] = [];
  const parse = (text: string) => loadConfig(() => Promise.resolve(text), 'test.yaml', () => undefined);
  const runtime = await startRuntimeOnThisThread(adapter, await parse(yaml), { postMessage: (m) => posted.push(m as WorkerToMain), onMessage: () => {} });
  let generation = 0;
  return {
    runtime,
    open,
    events,
    connects,
    accept(port: number): MemorySocket {
      const client = new MemorySocket(true);
      const accept = open.get(port);
      if (accept === undefined) throw new Error(`nothing listens on ${port}`);
      accept(client);
      return client;
    },
    async push(text: string): Promise<Applied> {
      const config = await parse(text);
      // As main does: the one cluster manager takes the new clusters, then the worker gets its snapshot.
      const cm = runtime.clusterManager;
      await cm.applyConfig(config.clusters.map(toUpstreamCluster));
      const g = ++generation;
      runtime.runtime.onMessage({ t: 'generation', snapshot: { generation: g, config, clusters: cm.snapshot() } });
      for (let i = 0; i < 200; i++) {
        const m = posted.find((p): p is Applied => p.t === 'generation-applied' && p.generation === g);
        if (m !== undefined) return m;
        await new Promise((r) => setTimeout(r, 5));
      }
      throw new Error(`no answer for generation ${g}`);
    },
    stop: () => runtime.stop(),
  };
}

/**
 * A config for these tests: one worker, listener `ingress` on 7100 sending everything to
 * `target`, and `clusters` by name with their endpoint ports (max_connections 1, so a second
 * request waits in the pool).
 */
export function oneRouteYaml(clusters: Record<string, readonly number[]>, target: string): string {
  const clusterYaml = Object.entries(clusters)
    .map(([name, ports]) => `  - name: ${name}
    circuit_breakers: { max_connections: 1 }
    endpoints:
${ports.map((p) => `      - { address: 127.0.0.1, port: ${p} }`).join('\n')}`)
    .join('\n');
  return `
admin: { address: 127.0.0.1, port: 0 }
workers: 1
listeners:
  - name: ingress
    address: 127.0.0.1
    port: 7100
    virtual_hosts:
      - name: all
        domains: ["*"]
        routes:
          - match: { prefix: / }
            cluster: ${target}
clusters:
${clusterYaml}
`;
}

/** Two clients on `oneRouteYaml`'s listener: `busy` holds the one connection, `pending` waits in the pool. */
export async function busyAndPending(w: GenerationRuntime): Promise<{ busy: MemorySocket; pending: MemorySocket }> {
  const enc = new TextEncoder();
  const busy = w.accept(7100);
  busy.feed(enc.encode('GET /busy HTTP/1.1\r\nHost: x\r\n\r\n'));
  await tick();
  const pending = w.accept(7100);
  pending.feed(enc.encode('GET /pending HTTP/1.1\r\nHost: x\r\n\r\n'));
  await tick();
  return { busy, pending };
}

/** RuntimeAdapter for Node ≥ 22.12; its process and file helpers are also used by the Bun and Deno adapters. */
import type { Server as HttpNodeServer } from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import { Worker, isMainThread, parentPort as nodeParentPort } from 'node:worker_threads';
import type {
  ConnectOptions,
  HttpServeOptions,
  HttpServer,
  ListenOptions,
  Listener,
  ParentPort,
  RuntimeAdapter,
  Socket,
  WorkerHandle,
} from './types.ts';
import { SocketError } from './types.ts';
import { ProcessServices, asLine, lookupAll, toSocketError } from './node-services.ts';
import { WorkerHandleBase } from './worker-handle-base.ts';
import { listenNode } from './node-listener.ts';
import { NodeTcpSocket } from './node-socket.ts';

/** SO_REUSEPORT on `net.Server.listen` exists from Node 22.12 (22.x line) and 23.1. */
export function nodeSupportsReusePort(version: string): boolean {
  const m = /^v?(\d+)\.(\d+)/.exec(version);
  if (m === null) return false;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  if (major >= 24) return true;
  if (major === 23) return minor >= 1;
  if (major === 22) return minor >= 12;
  return false;
}

/**
 * V8 sizes a worker's young generation for the machine's RAM (48 MiB here). The request path
 * leaves little alive, so a small one scavenges as fast and holds about 50 MiB less at 1,000
 * connections (bench, memory scenario: 280 → 227 MiB peak RSS).
 */
export const WORKER_YOUNG_GENERATION_MB = 8;

/** Node's `Worker` wants a URL object for file: URLs and a path otherwise. */
function workerSpecifier(entry: string): string | URL {
  return entry.startsWith('file:') ? new URL(entry) : entry;
}

class NodeWorkerHandle extends WorkerHandleBase {
  private readonly worker: Worker;
  private terminating = false;

  constructor(id: number, entry: string, data: unknown) {
    super(id);
    this.worker = new Worker(workerSpecifier(entry), { resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB } });
    this.worker.on('message', (message: unknown) => this.deliver(message));
    // With a listener attached Node prints nothing; Bun and Deno print uncaught worker errors.
    this.worker.on('error', (err: Error) => {
      process.stderr.write(asLine(`worker thread #${id} (spawn order, not the worker slot) uncaught error: ${err.stack ?? err.message}`));
    });
    // Node reports 1 for terminate(); a deliberate terminate is not a crash, so it reports 0.
    this.worker.on('exit', (code: number) => this.finish(this.terminating ? 0 : code));
    this.worker.postMessage(data);
  }

  postMessage(message: unknown): void {
    if (this.exitCode === null) this.worker.postMessage(message);
  }

  async terminate(): Promise<void> {
    if (this.exitCode !== null) return;
    this.terminating = true;
    await this.worker.terminate();
    await this.exited;
  }
}

class NodeAdapter extends ProcessServices implements RuntimeAdapter {
  readonly name = 'node' as const;
  readonly version = process.versions.node;
  // V8 keeps its heap near the live size by itself once its young generation is bounded (above).
  readonly heap = null;
  readonly listeningModel = nodeSupportsReusePort(process.versions.node) ? 'reuseport' as const : 'single-worker' as const;
  readonly fixedAcceptQueue = null;
  private nextWorkerId = 1;
  private port: ParentPort | null | undefined;

  listen(options: ListenOptions, onConnection: (socket: Socket) => void): Promise<Listener> {
    return listenNode(options, this.listeningModel === 'reuseport', onConnection);
  }

  connect(options: ConnectOptions): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const raw = net.connect({ host: options.host, port: options.port, allowHalfOpen: true, noDelay: true });
      let settled = false;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        raw.destroy();
        reject(new SocketError('ETIMEDOUT', `connect ${options.host}:${options.port}: timed out after ${options.timeoutMs} ms`));
      }, options.timeoutMs);
      raw.once('error', (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        reject(toSocketError(err, `connect ${options.host}:${options.port}`));
      });
      raw.once('connect', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(new NodeTcpSocket(raw));
      });
    });
  }

  resolve(hostname: string): Promise<string[]> {
    return lookupAll(hostname);
  }

  async serveHttp(options: HttpServeOptions): Promise<HttpServer> {
    const { createAdaptorServer } = await import('@hono/node-server');
    const server = createAdaptorServer({ fetch: options.fetch }) as HttpNodeServer;
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(toSocketError(err, `listen ${options.host}:${options.port}`));
      server.once('error', onError);
      server.listen(options.port, options.host, () => {
        server.off('error', onError);
        resolve();
      });
    });
    const port = (server.address() as net.AddressInfo).port;
    return {
      port,
      close: () => new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
    };
  }

  spawnWorker(entry: string, data: unknown): WorkerHandle {
    return new NodeWorkerHandle(this.nextWorkerId++, entry, data);
  }

  parentPort(): ParentPort | null {
    if (this.port !== undefined) return this.port;
    const port = nodeParentPort;
    this.port = isMainThread || port === null
      ? null
      : {
          postMessage: (message: unknown) => port.postMessage(message),
          onMessage: (fn: (message: unknown) => void) => { port.on('message', fn); },
        };
    return this.port;
  }

  isMainThread(): boolean {
    return isMainThread;
  }

  now(): number {
    return performance.now();
  }

  cpuCount(): number {
    return os.availableParallelism();
  }
}

export function createNodeAdapter(): RuntimeAdapter {
  return new NodeAdapter();
}

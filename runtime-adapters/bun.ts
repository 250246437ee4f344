/** RuntimeAdapter for Bun: Bun.listen/connect sockets, web Workers, Bun.serve for the admin endpoint. */
import type {
  ConnectOptions,
  HeapControl,
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
import { ProcessServices, toSocketError } from './node-services.ts';
import {
  BunListener,
  ConnectContext,
  ListenContext,
  asOptionsHandler,
  connectHandlers,
  listenHandlers,
  ownerOf,
} from './bun-socket.ts';
import { BunWorkerHandle } from './bun-worker.ts';
import type { WorkerScope } from './bun-worker.ts';

/** JavaScriptCore's heap through bun:jsc, loaded on Bun only (Node and Deno cannot resolve it). */
class JscHeap implements HeapControl {
  private readonly jsc = import.meta.require('bun:jsc') as typeof import('bun:jsc');

  size(): number {
    return this.jsc.heapSize();
  }

  footprint(): number {
    return process.memoryUsage.rss();
  }

  collectYoung(): void {
    this.jsc.edenGC();
  }

  collect(): void {
    // Bun.gc(true) sweeps the whole heap right after marking, so blocks left empty go back to the
    // allocator, which returns them to the system: at 1,000 connections the peak RSS fell from
    // 85-87 to 78-81 MiB. bun:jsc's fullGC() marks only; the blocks it empties stay resident
    // until the incremental sweeper reaches them and are then kept for reuse.
    Bun.gc(true);
  }
}

class BunAdapter extends ProcessServices implements RuntimeAdapter {
  readonly name = 'bun' as const;
  readonly version = Bun.version;
  readonly listeningModel = 'reuseport' as const;
  // Bun.listen's uSockets listen(fd, 512) ignores a `backlog` option in 1.4 (checked with ss -ltn).
  readonly fixedAcceptQueue = 512;
  // JavaScriptCore sizes its heap for the machine's RAM and lets garbage reach 32 MiB or more
  // before a full collection; the worker's heap governor keeps it near the live size instead.
  readonly heap: HeapControl = new JscHeap();
  private nextWorkerId = 1;
  private port: ParentPort | null | undefined;

  listen(options: ListenOptions, onConnection: (socket: Socket) => void): Promise<Listener> {
    // bun-types 1.4.5 declares reusePort only for connect; Bun.listen honours it at run time.
    const extra = { reusePort: options.reusePort };
    try {
      const server = Bun.listen<unknown>({
        hostname: options.host,
        port: options.port,
        allowHalfOpen: true,
        data: new ListenContext(onConnection),
        socket: asOptionsHandler(listenHandlers),
        ...extra,
      });
      return Promise.resolve(new BunListener(options.host, server));
    } catch (err) {
      return Promise.reject(toSocketError(err, `listen ${options.host}:${options.port}`));
    }
  }

  connect(options: ConnectOptions): Promise<Socket> {
    const ctx = new ConnectContext();
    const where = `connect ${options.host}:${options.port}`;
    return new Promise((resolve, reject) => {
      // Bun.connect cannot be cancelled: on timeout the late socket is closed in `open`.
      const timer = setTimeout(() => {
        ctx.timedOut = true;
        reject(new SocketError('ETIMEDOUT', `${where}: timed out after ${options.timeoutMs} ms`));
      }, options.timeoutMs);
      Bun.connect<unknown>({
        hostname: options.host,
        port: options.port,
        allowHalfOpen: true,
        data: ctx,
        socket: asOptionsHandler(connectHandlers),
      }).then(
        (raw) => {
          clearTimeout(timer);
          const socket = ownerOf(raw);
          if (ctx.timedOut) return;
          if (socket === null) reject(new SocketError('UNKNOWN', `${where}: socket closed while opening`));
          else resolve(socket);
        },
        (err: unknown) => {
          clearTimeout(timer);
          if (!ctx.timedOut) reject(toSocketError(err, where));
        },
      );
    });
  }

  async resolve(hostname: string): Promise<string[]> {
    try {
      const found = await Bun.dns.lookup(hostname);
      return found.map((a) => a.address);
    } catch (err) {
      throw toSocketError(err, `resolve ${hostname}`);
    }
  }

  serveHttp(options: HttpServeOptions): Promise<HttpServer> {
    try {
      const server = Bun.serve({ hostname: options.host, port: options.port, fetch: options.fetch });
      return Promise.resolve({
        port: server.port ?? options.port,
        close: () => server.stop(true),
      });
    } catch (err) {
      return Promise.reject(toSocketError(err, `listen ${options.host}:${options.port}`));
    }
  }

  spawnWorker(entry: string, data: unknown): WorkerHandle {
    return new BunWorkerHandle(this.nextWorkerId++, entry, data);
  }

  parentPort(): ParentPort | null {
    if (this.port !== undefined) return this.port;
    if (Bun.isMainThread) {
      this.port = null;
    } else {
      const scope = globalThis as unknown as WorkerScope;
      this.port = {
        postMessage: (message: unknown) => scope.postMessage(message),
        onMessage: (fn: (message: unknown) => void) => {
          scope.addEventListener('message', (event: MessageEvent) => fn(event.data));
        },
      };
    }
    return this.port;
  }

  isMainThread(): boolean {
    return Bun.isMainThread;
  }

  now(): number {
    return performance.now();
  }

  cpuCount(): number {
    return navigator.hardwareConcurrency;
  }
}

export function createBunAdapter(): RuntimeAdapter {
  return new BunAdapter();
}

/** The running executable (the compiled `proxy` binary, or `bun` itself from source). */
export function executablePath(): string {
  return process.execPath;
}

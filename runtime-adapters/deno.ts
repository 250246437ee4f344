/** RuntimeAdapter for Deno: Deno.listen/connect with a read loop and a write queue, web Workers, Deno.serve. */
import { isIP } from 'node:net';
import type {
  AppendFile,
  AppendFileEvents,
  ConnectOptions,
  HttpServeOptions,
  HttpServer,
  ListenOptions,
  Listener,
  ParentPort,
  RuntimeAdapter,
  SignalName,
  Socket,
  WorkerHandle,
} from './types.ts';
import { SocketError } from './types.ts';
import { AppendStream } from './append-stream.ts';
import { asLine, checkAppendable, lookupAll, watchFileChanges } from './node-services.ts';
import { denoSocketError } from './deno-errors.ts';
import { DenoListener, DenoTcpSocket } from './deno-socket.ts';
import { DenoWorkerHandle, EXIT_KEY, inWorker } from './deno-worker.ts';
import type { WorkerScope } from './deno-worker.ts';

class DenoAdapter implements RuntimeAdapter {
  readonly name = 'deno' as const;
  readonly version = Deno.version.deno;
  readonly listeningModel = 'reuseport' as const;
  // Deno.listen takes no backlog and asks for 511 (checked with ss -ltn).
  readonly fixedAcceptQueue = 511;
  // V8 keeps its heap near the live size by itself; its young generation is bounded with
  // --v8-flags=--max-semi-space-size on the command line (README), as Deno's Worker has no limits.
  readonly heap = null;
  private nextWorkerId = 1;
  private port: ParentPort | null | undefined;
  private readonly encoder = new TextEncoder();

  listen(options: ListenOptions, onConnection: (socket: Socket) => void): Promise<Listener> {
    // reusePort on Deno.listen is unstable (deno.json: "unstable": ["net"]) and missing from
    // @types/deno; it is only passed when wanted, so a plain listen works without the flag.
    const extra = options.reusePort ? { reusePort: true } : {};
    try {
      const listener = Deno.listen({ hostname: options.host, port: options.port, transport: 'tcp', ...extra });
      return Promise.resolve(new DenoListener(options.host, listener, onConnection));
    } catch (err) {
      return Promise.reject(denoSocketError(err, `listen ${options.host}:${options.port}`));
    }
  }

  connect(options: ConnectOptions): Promise<Socket> {
    const where = `connect ${options.host}:${options.port}`;
    return new Promise((resolve, reject) => {
      const abort = new AbortController();
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        abort.abort();
        reject(new SocketError('ETIMEDOUT', `${where}: timed out after ${options.timeoutMs} ms`));
      }, options.timeoutMs);
      Deno.connect({ hostname: options.host, port: options.port, transport: 'tcp', signal: abort.signal }).then(
        (conn) => {
          clearTimeout(timer);
          if (timedOut) conn.close();
          else resolve(new DenoTcpSocket(conn));
        },
        (err: unknown) => {
          clearTimeout(timer);
          if (!timedOut) reject(denoSocketError(err, where));
        },
      );
    });
  }

  /**
   * IP literals as they are; `localhost` through getaddrinfo (/etc/hosts, never the network);
   * other names by DNS (A, then AAAA), falling back to getaddrinfo for names only /etc/hosts knows.
   */
  async resolve(hostname: string): Promise<string[]> {
    const name = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
    if (isIP(name) !== 0) return [name];
    if (name === 'localhost' || name.endsWith('.localhost')) return lookupAll(name);
    const [v4, v6] = await Promise.allSettled([Deno.resolveDns(name, 'A'), Deno.resolveDns(name, 'AAAA')]);
    const found = [
      ...(v4.status === 'fulfilled' ? v4.value : []),
      ...(v6.status === 'fulfilled' ? v6.value : []),
    ];
    return found.length > 0 ? found : lookupAll(name);
  }

  serveHttp(options: HttpServeOptions): Promise<HttpServer> {
    try {
      const server = Deno.serve({ hostname: options.host, port: options.port, onListen: () => {} }, options.fetch);
      return Promise.resolve({ port: server.addr.port, close: () => server.shutdown() });
    } catch (err) {
      return Promise.reject(denoSocketError(err, `listen ${options.host}:${options.port}`));
    }
  }

  spawnWorker(entry: string, data: unknown): WorkerHandle {
    return new DenoWorkerHandle(this.nextWorkerId++, entry, data);
  }

  parentPort(): ParentPort | null {
    if (this.port !== undefined) return this.port;
    if (!inWorker()) {
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
    return !inWorker();
  }

  now(): number {
    return performance.now();
  }

  cpuCount(): number {
    return navigator.hardwareConcurrency;
  }

  onSignal(signal: SignalName, fn: () => void): void {
    Deno.addSignalListener(signal, fn);
  }

  args(): string[] {
    return Deno.args;
  }

  env(name: string): string | undefined {
    try {
      return Deno.env.get(name);
    } catch {
      // No --allow-env: behave as if unset.
      return undefined;
    }
  }

  readTextFile(file: string): Promise<string> {
    return Deno.readTextFile(file);
  }

  watchFile(file: string, fn: () => void): () => void {
    return watchFileChanges(file, fn);
  }

  memoryRss(): number {
    return Deno.memoryUsage().rss;
  }

  exit(code: number): never {
    if (inWorker()) {
      // In a worker Deno.exit only closes the worker and the parent never learns the code.
      (globalThis as unknown as WorkerScope).postMessage({ [EXIT_KEY]: code });
    }
    return Deno.exit(code);
  }

  openAppendFile(file: string, events?: AppendFileEvents): AppendFile {
    return new AppendStream(file, events);
  }

  checkAppendable(file: string): Promise<void> {
    return checkAppendable(file);
  }

  writeStdout(text: string): void {
    this.writeAllSync(Deno.stdout, asLine(text));
  }

  writeStderr(text: string): void {
    this.writeAllSync(Deno.stderr, asLine(text));
  }

  isTty(): boolean {
    return Deno.stdout.isTerminal();
  }

  private writeAllSync(target: { writeSync(p: Uint8Array): number }, text: string): void {
    let bytes = this.encoder.encode(text);
    while (bytes.byteLength > 0) bytes = bytes.subarray(target.writeSync(bytes));
  }
}

export function createDenoAdapter(): RuntimeAdapter {
  return new DenoAdapter();
}

/** A worker thread: its listeners, clusters, pools and stats, driven by main's messages. */
import type { AppendFile, ParentPort, RuntimeAdapter } from '../../runtime-adapters/types.ts';
import { realClock, type Clock } from '../common/clock.ts';
import { createLogger, type Logger, type LogFormat, type LogLevel } from '../common/log.ts';
import type { ListenerConfig, ProxyConfig } from '../config/types.ts';
import type { GenerationSnapshot, MainToWorker, WorkerToMain } from '../ipc/messages.ts';
import { StatsStore } from '../stats/stats-store.ts';
import { ThreadLocalClusterManager } from '../upstream/thread-local-cluster-manager.ts';
import type { ClusterManagerSnapshot } from '../upstream/snapshot-types.ts';
import { OutlierReporter } from '../health/outlier-reporter.ts';
import { compileRouter } from '../router/router.ts';
import { toRouterVirtualHosts } from '../wiring/config-mapping.ts';
import { AccessLogger, type AccessLogSink } from '../http/access-log.ts';
import { ListenerStats } from '../http/listener-stats.ts';
import type { ListenerContext } from '../http/listener-context.ts';
import { HttpListener } from './http-listener.ts';
import { WorkerClusterLookup } from './route-clusters.ts';
import { RequestIdGenerator } from '../http/request-id.ts';
import { TimeoutLists } from '../common/timeout-list.ts';
import { HEAP_GOVERNOR_DEFAULTS, HeapGovernor } from './heap-governor.ts';

type InitMessage = Extract<MainToWorker, { t: 'init' }>;

/** How often a worker sends its outlier-detection results to main. */
const OUTLIER_FLUSH_MS = 100;

export class WorkerRuntime {
  private readonly adapter: RuntimeAdapter;
  private readonly port: ParentPort;
  private readonly workerId: number;
  private readonly log: Logger;
  private readonly clock: Clock;
  /** This thread's counters and gauges (main reads them through shared memory; tests read them here). */
  readonly stats: StatsStore;
  private readonly tlcm: ThreadLocalClusterManager;
  private readonly clusters: WorkerClusterLookup;
  private readonly outlier: OutlierReporter;
  private readonly reusePort: boolean;
  private readonly listeners = new Map<string, HttpListener>();
  private readonly requestIds = new RequestIdGenerator();
  private readonly timeouts: TimeoutLists;
  private readonly heapGovernor: HeapGovernor | null;
  private requestsAtLastLook = 0;
  private readonly accessLogs = new Map<string, { logger: AccessLogger; file: AppendFile | null }>();
  private generation: number;
  private config: ProxyConfig;

  constructor(adapter: RuntimeAdapter, port: ParentPort, init: InitMessage) {
    this.adapter = adapter;
    this.port = port;
    this.workerId = init.workerId;
    this.log = createLogger({
      level: init.options.logLevel as LogLevel,
      format: init.options.logFormat as LogFormat,
      write: (line) => adapter.writeStderr(line),
      fields: { worker: init.workerId },
    });
    this.clock = realClock(() => adapter.now());
    this.timeouts = new TimeoutLists(this.clock);
    this.stats = new StatsStore({
      onRegister: (registration) => this.post({ t: 'stats', workerId: this.workerId, registration }),
    });
    this.outlier = new OutlierReporter({
      worker: init.workerId,
      flushIntervalMs: OUTLIER_FLUSH_MS,
      clock: this.clock,
      send: (batch) => this.post({ t: 'outlier', workerId: this.workerId, batch }),
    });
    this.tlcm = new ThreadLocalClusterManager({
      workerIndex: init.workerId,
      connect: (host, p, timeoutMs) => adapter.connect({ host, port: p, timeoutMs }),
      clock: this.clock,
      stats: this.stats,
    });
    this.clusters = new WorkerClusterLookup(this.tlcm, this.outlier);
    this.heapGovernor = adapter.heap === null ? null : new HeapGovernor(adapter.heap, this.clock, {
      collections: this.stats.counter(`server.worker_${init.workerId}.memory_heap_collections`),
      youngCollections: this.stats.counter(`server.worker_${init.workerId}.memory_heap_young_collections`),
      heapSize: this.stats.gauge(`server.worker_${init.workerId}.memory_heap_size`),
    }, HEAP_GOVERNOR_DEFAULTS, () => this.busySinceLastLook());
    this.heapGovernor?.start();
    this.reusePort = init.workerCount > 1;
    this.generation = init.snapshot.generation;
    this.config = init.snapshot.config as ProxyConfig;
    this.applyClusters(init.snapshot);
    if (init.options.injectCrashAfterMs !== undefined && init.workerId === 0 && init.incarnation === 0) {
      // Test hook: an uncaught error on this worker's event loop, as a real bug would raise.
      setTimeout(() => {
        throw new Error('injected worker crash (test hook)');
      }, init.options.injectCrashAfterMs);
    }
  }

  async start(): Promise<void> {
    for (const [i, lc] of this.config.listeners.entries()) {
      try {
        await this.addListener(lc);
      } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        this.post({ t: 'start-failed', workerId: this.workerId, error: `listeners[${i}] (${lc.name}): ${msg}` });
        return;
      }
    }
    this.post({ t: 'listening', workerId: this.workerId, listeners: this.boundListeners() });
  }

  onMessage(m: MainToWorker): void {
    switch (m.t) {
      case 'init':
        return;
      case 'generation':
        void this.applyGeneration(m.snapshot);
        return;
      case 'clusters':
        this.tlcm.applySnapshot(m.clusters as ClusterManagerSnapshot);
        return;
      case 'drain':
        void this.drain();
        return;
      case 'pools?':
        this.post({ t: 'pools', id: m.id, workerId: this.workerId, pools: this.tlcm.poolSnapshot() });
        return;
    }
  }

  private post(m: WorkerToMain): void {
    this.port.postMessage(m);
  }

  private boundListeners() {
    return [...this.listeners.values()].map((l) => ({ name: l.name, host: l.address, port: l.boundPort }));
  }

  private applyClusters(snapshot: GenerationSnapshot): void {
    const config = snapshot.config as ProxyConfig;
    this.clusters.setHttp10Clusters(config.clusters.filter((c) => c.protocol === 'http/1.0').map((c) => c.name));
    this.tlcm.applySnapshot(snapshot.clusters as ClusterManagerSnapshot);
  }

  private async addListener(lc: ListenerConfig, ctx: ListenerContext = this.buildContext(lc)): Promise<void> {
    const l = new HttpListener(lc.name, lc.address, lc.port, lc.tcpBacklogSize, ctx);
    await l.bind(this.adapter, this.reusePort);
    this.listeners.set(lc.name, l);
  }

  /**
   * Reload: swap routes and clusters; bind new listeners; drain removed ones. A moved listener is
   * bound at its new address before the old socket closes: when the bind fails (the port is
   * taken), the listener keeps serving at its old address with the new routes, and the error
   * goes back to main, which reports the reload as not fully applied.
   */
  private async applyGeneration(snapshot: GenerationSnapshot): Promise<void> {
    const errors: string[] = [];
    const config = snapshot.config as ProxyConfig;
    this.config = config;
    this.generation = snapshot.generation;
    this.applyClusters(snapshot);
    const wanted = new Set(config.listeners.map((l) => l.name));
    for (const [name, l] of [...this.listeners]) {
      if (!wanted.has(name)) {
        this.listeners.delete(name);
        void l.drain();
      }
    }
    for (const lc of config.listeners) {
      const existing = this.listeners.get(lc.name);
      let ctx: ListenerContext | null = null;
      try {
        ctx = this.buildContext(lc);
        if (existing === undefined) {
          await this.addListener(lc, ctx);
        } else if (existing.address === lc.address && existing.port === lc.port) {
          existing.setContext(ctx);
        } else if (!this.reusePort && existing.port === lc.port) {
          // Without SO_REUSEPORT the new address's bind would collide with our own socket.
          this.listeners.delete(lc.name);
          await existing.stopAccepting();
          void existing.drain();
          await this.addListener(lc, ctx);
        } else {
          await this.addListener(lc, ctx);
          void existing.drain();
        }
      } catch (e) {
        const reason = e instanceof Error ? e.message : String(e);
        if (existing !== undefined && this.listeners.get(lc.name) === existing) {
          if (ctx !== null) existing.setContext(ctx);
          errors.push(`listener ${lc.name}: ${reason}; it keeps serving on ${existing.address}:${existing.port}${ctx === null ? ' with its previous routes' : ''}`);
        } else {
          errors.push(`listener ${lc.name}: ${reason}`);
        }
      }
    }
    this.post({
      t: 'generation-applied',
      workerId: this.workerId,
      generation: snapshot.generation,
      listeners: this.boundListeners(),
      errors,
    });
  }

  private async drain(): Promise<void> {
    await Promise.all([...this.listeners.values()].map((l) => l.drain()));
    for (const { logger, file } of this.accessLogs.values()) {
      logger.close();
      await file?.close();
    }
    this.outlier.flush();
    this.post({ t: 'drained', workerId: this.workerId });
  }

  /**
   * Drain, then stop every timer and close every upstream connection: for a runtime hosted in a
   * thread that lives on (tests, the request-path benchmark). A worker thread is simply ended.
   */
  async stop(): Promise<void> {
    await this.drain();
    await new Promise<void>((resolve) => this.tlcm.drainAll(resolve));
    this.tlcm.close();
    this.outlier.stop();
    this.timeouts.stop();
    this.heapGovernor?.stop();
  }

  /** For the heap governor: a request started since the last call, or one is in flight. */
  private busySinceLastLook(): boolean {
    let total = 0;
    let active = 0;
    for (const l of this.listeners.values()) {
      const stats = l.currentContext().stats;
      total += stats.rqTotal.value;
      active += stats.rqActive.value;
    }
    const busy = active > 0 || total !== this.requestsAtLastLook;
    this.requestsAtLastLook = total;
    return busy;
  }

  private buildContext(lc: ListenerConfig): ListenerContext {
    const router = compileRouter(toRouterVirtualHosts(lc));
    return {
      name: lc.name,
      workerId: this.workerId,
      router,
      clusters: this.clusters,
      clock: this.clock,
      wallNow: Date.now,
      stats: new ListenerStats(this.stats, lc.name, this.workerId),
      accessLog: this.accessLogFor(lc),
      parserOptions: {
        maxHeaderBytes: lc.maxRequestHeadersKb * 1024,
        maxHeaderCount: lc.maxRequestHeadersCount,
      },
      requestHeadersTimeoutMs: lc.requestHeadersTimeoutMs,
      idleTimeoutMs: lc.idleTimeoutMs,
      streamIdleTimeoutMs: lc.streamIdleTimeoutMs,
      via: lc.via,
      newRequestId: () => this.requestIds.next(),
      random: Math.random,
      timeouts: this.timeouts,
    };
  }

  /**
   * An access log file whose failures are counted (Envoy's filesystem.write_failed and
   * reopen_failed) and logged once per outage, not once per lost line.
   */
  private openAccessLogFile(path: string): AppendFile {
    const writeFailed = this.stats.counter('filesystem.write_failed');
    const reopenFailed = this.stats.counter('filesystem.reopen_failed');
    let down = false;
    return this.adapter.openAppendFile(path, {
      onFailure: (failure) => {
        (failure.kind === 'write' ? writeFailed : reopenFailed).inc();
        if (down) return;
        down = true;
        this.log.warn(`access log ${path}: ${failure.kind} failed (${failure.code}); lines are dropped (access_log.lines_dropped) and the file is reopened once a second`, { error: failure.message });
      },
      onRecovered: () => {
        down = false;
        this.log.info(`access log ${path}: writing again`);
      },
    });
  }

  /** One access logger per (listener, path, format), kept across generations while unchanged. */
  private accessLogFor(lc: ListenerConfig): AccessLogger | null {
    const cfg = lc.accessLog;
    if (!cfg) return null;
    const key = `${lc.name}\0${cfg.path}\0${cfg.format}`;
    const existing = this.accessLogs.get(key);
    if (existing) return existing.logger;
    let file: AppendFile | null = null;
    let sink: AccessLogSink;
    if (cfg.path === 'stdout') sink = { write: (s) => this.adapter.writeStdout(s) };
    else if (cfg.path === 'stderr') sink = { write: (s) => this.adapter.writeStderr(s) };
    else {
      const f = this.openAccessLogFile(cfg.path);
      const dropped = this.stats.counter('access_log.lines_dropped');
      file = f;
      sink = { write: (s) => { if (!f.write(s)) dropped.inc(); } };
    }
    const logger = new AccessLogger(sink, this.clock, { format: cfg.format });
    this.accessLogs.set(key, { logger, file });
    return logger;
  }
}

/** The worker entry: registers for main's messages synchronously (before any await), then serves. */
export function startWorker(adapter: RuntimeAdapter): void {
  const port = adapter.parentPort();
  if (!port) throw new Error('startWorker must run inside a worker thread');
  let runtime: WorkerRuntime | null = null;
  port.onMessage((raw) => {
    const m = raw as MainToWorker;
    if (m.t === 'init') {
      if (runtime) return;
      runtime = new WorkerRuntime(adapter, port, m);
      void runtime.start();
      return;
    }
    runtime?.onMessage(m);
  });
}

/** The main thread: config, ClusterManager, workers, admin, health, reload and drain. */
import type { HttpServer, RuntimeAdapter } from '../../runtime-adapters/types.ts';
import { realClock, type Clock } from '../common/clock.ts';
import type { Logger } from '../common/log.ts';
import { ConfigError } from '../config/errors.ts';
import { redactConfig } from '../config/redact.ts';
import type { ProxyConfig } from '../config/types.ts';
import type { MainToWorker, WorkerToMain, ListenerBound, WorkerOptions } from '../ipc/messages.ts';
import { StatsStore } from '../stats/stats-store.ts';
import { StatsReader } from '../stats/stats-reader.ts';
import type { StatsRegistration } from '../stats/stat-types.ts';
import { ClusterManager } from '../upstream/cluster-manager.ts';
import type { ClusterManagerSnapshot } from '../upstream/snapshot-types.ts';
import { createAdminApp, isLoopbackAddress } from '../admin/index.ts';
import type { ListenerStatus, ReloadResult, ServerInfo, ServerState } from '../admin/types.ts';
import { toUpstreamCluster } from '../wiring/config-mapping.ts';
import { GenerationWait } from './generation-wait.ts';
import { WorkerSupervisor } from './supervisor.ts';
import { HealthWiring, initialHostHealth } from './health-wiring.ts';
import { restartOnlyChanges, unhonouredSettings } from './unhonoured-settings.ts';
import { MainAdminSource } from './admin-source.ts';
import { ListenError, pickFreePorts, unbindableListeners } from './port-probe.ts';

export interface ServerOptions {
  configPath: string;
  workerEntry: string;
  workers: number;
  version: string;
  workerOptions: WorkerOptions;
  drainTimeoutMs: number | undefined;
  watch: boolean;
  /** Reads and validates the config file (a reload); throws `ConfigError` for a file that cannot be used. */
  loadConfig: (path: string) => Promise<ProxyConfig>;
}

/** How long a pools question to a worker may take before the admin shows it unavailable. */
const POOLS_TIMEOUT_MS = 1000;
/** How long a reload waits for every worker to say it applied the new generation. */
const APPLY_TIMEOUT_MS = 5000;
/** How long the start waits for the first health-check verdicts before opening the listeners. */
const FIRST_ROUND_MS = 2000;

export class ProxyServer {
  private readonly adapter: RuntimeAdapter;
  private readonly log: Logger;
  private readonly opts: ServerOptions;
  private readonly clock: Clock;
  private config: ProxyConfig;
  private generation = 0;
  readonly clusterManager: ClusterManager;
  readonly statsReader = new StatsReader();
  private readonly mainStats: StatsStore;
  private readonly supervisor: WorkerSupervisor;
  private readonly health: HealthWiring;
  private admin: HttpServer | null = null;
  private state: ServerState = 'INITIALIZING';
  private readonly startedAt: number;
  private bound: ListenerBound[] = [];
  private poolAsks = new Map<number, { resolve: (v: unknown) => void }>();
  private nextAskId = 1;
  private drainedWorkers = new Set<number>();
  private onDrained: (() => void) | null = null;
  private stopResolve: (() => void) | null = null;
  private stopping: Promise<void> | null = null;
  private unwatch: (() => void) | null = null;
  private readonly generationWait: GenerationWait;
  /** A stop signal that came while starting. */
  private stopWhenLive: 'SIGTERM' | 'SIGINT' | null = null;
  private reloadWhenLive = false;
  /** Ends the running drain at once (a second stop signal). */
  private endDrainNow: (() => void) | null = null;
  /** The port picked for each `port: 0` listener (`name@address`), kept across reloads. */
  private readonly pickedPorts = new Map<string, number>();

  constructor(adapter: RuntimeAdapter, log: Logger, opts: ServerOptions, config: ProxyConfig) {
    this.adapter = adapter;
    this.log = log;
    this.opts = opts;
    this.config = config;
    this.clock = realClock(() => adapter.now());
    this.generationWait = new GenerationWait(this.clock, APPLY_TIMEOUT_MS);
    this.startedAt = adapter.now();
    this.mainStats = new StatsStore({ onRegister: (r) => this.statsReader.apply('main', r) });
    this.clusterManager = new ClusterManager(config.clusters.map(toUpstreamCluster), {
      clock: this.clock,
      resolve: (name) => adapter.resolve(name),
      stats: this.mainStats,
      onSnapshot: (snap) => this.onClusterSnapshot(snap),
      initialHostHealth: (cluster) => initialHostHealth(this.config, cluster, this.state !== 'INITIALIZING'),
    });
    this.health = new HealthWiring(
      this.clusterManager,
      (host, port, timeoutMs) => adapter.connect({ host, port, timeoutMs }),
      this.clock,
      this.mainStats,
      log,
    );
    this.supervisor = new WorkerSupervisor(
      adapter,
      opts.workerEntry,
      opts.workers,
      {
        initMessage: (workerId, incarnation) => ({
          t: 'init',
          workerId,
          workerCount: opts.workers,
          incarnation,
          snapshot: { generation: this.generation, config: this.config, clusters: this.clusterManager.snapshot() },
          options: opts.workerOptions,
        }),
        onMessage: (id, m) => this.onWorkerMessage(id, m),
        // A dead worker sends no 'drained': a drain must not wait for it.
        onWorkerExit: (id) => {
          this.generationWait.exited(id);
          this.checkDrained();
        },
        onWorkerRestart: (id) => {
          this.statsReader.retire(`worker_${id}`);
          this.clusterManager.releaseWorker(id);
        },
      },
      log,
    );
  }

  /** Start everything; resolves when the proxy has stopped (drained or quit). */
  async run(): Promise<void> {
    // Handlers first: a signal during the start (a health round can take 2 s) must not kill the
    // process with the runtime's default action. One that comes early is acted on once live.
    this.adapter.onSignal('SIGTERM', () => this.onStopSignal('SIGTERM'));
    this.adapter.onSignal('SIGINT', () => this.onStopSignal('SIGINT'));
    this.adapter.onSignal('SIGHUP', () => {
      if (this.state === 'INITIALIZING') this.reloadWhenLive = true;
      else void this.reload();
    });
    await this.clusterManager.initialize();
    this.health.apply(this.config);
    this.warnUnhonoured(this.config);
    const unbindable = await unbindableListeners(this.adapter, this.config.listeners);
    if (unbindable.length > 0) throw unbindable[0]!;
    this.config = { ...this.config, listeners: await pickFreePorts(this.adapter, this.config.listeners, this.pickedPorts) };
    // As Envoy warms clusters before its listeners: the workers start with the first health
    // verdicts, so a host that fails its first check never gets a request (bounded wait).
    if (this.health.checking) this.log.info(`waiting up to ${FIRST_ROUND_MS} ms for the first health-check round`);
    await this.health.firstRound(FIRST_ROUND_MS);
    const perWorker = await this.supervisor.start();
    this.bound = perWorker[0] ?? [];
    for (const l of this.bound) {
      this.log.info(`listener ${l.name} ready on ${l.host}:${l.port}`, {
        listener: l.name,
        address: l.host,
        port: l.port,
        workers: this.opts.workers,
        runtime: `${this.adapter.name} ${this.adapter.version}`,
        model: this.opts.workers > 1 ? 'SO_REUSEPORT, one socket per worker' : this.adapter.listeningModel,
      });
    }
    await this.startAdmin();
    if (this.opts.watch) {
      let pending: ReturnType<typeof setTimeout> | null = null;
      this.unwatch = this.adapter.watchFile(this.opts.configPath, () => {
        if (pending) clearTimeout(pending);
        pending = setTimeout(() => {
          pending = null;
          void this.reload();
        }, 100);
      });
    }
    this.state = 'LIVE';
    if (this.stopWhenLive !== null) void this.shutdown(this.stopWhenLive);
    else if (this.reloadWhenLive) void this.reload();
    this.log.info('proxy ready', {
      workers: this.opts.workers,
      runtime: `${this.adapter.name} ${this.adapter.version}`,
      listeningModel: this.adapter.listeningModel,
      generation: this.generation,
    });
    await new Promise<void>((resolve) => (this.stopResolve = resolve));
  }

  private warnUnhonoured(config: ProxyConfig): void {
    for (const message of unhonouredSettings(config, this.adapter)) this.log.warn(message);
  }

  private async startAdmin(): Promise<void> {
    const app = createAdminApp(new MainAdminSource(this), {
      loopbackOnly: isLoopbackAddress(this.config.admin.address),
      onError: (err, where) => this.log.error(`admin ${where}: ${err instanceof Error ? err.message : String(err)}`),
    });
    const { address, port } = this.config.admin;
    try {
      this.admin = await this.adapter.serveHttp({ host: address, port, fetch: app.fetch });
    } catch (e) {
      throw new ListenError('admin', `${address}:${port}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
    this.log.info(`admin listening on http://${address}:${this.admin.port}/admin/`, { address, port: this.admin.port });
  }

  // ------------------------------------------------------------------ worker messages

  private onWorkerMessage(workerId: number, m: WorkerToMain): void {
    switch (m.t) {
      case 'stats':
        this.statsReader.apply(`worker_${workerId}`, m.registration as StatsRegistration);
        return;
      case 'outlier':
        this.health.onOutlierBatch(m.batch);
        return;
      case 'pools': {
        const ask = this.poolAsks.get(m.id);
        if (ask) {
          this.poolAsks.delete(m.id);
          ask.resolve(m.pools);
        }
        return;
      }
      case 'drained':
        this.drainedWorkers.add(workerId);
        this.checkDrained();
        return;
      case 'generation-applied': {
        for (const e of m.errors) this.log.error(`worker ${workerId}: ${e}`, { worker: workerId });
        // Every worker binds the same addresses: any one's list is the admin's view.
        if (m.generation === this.generation) this.bound = m.listeners;
        this.generationWait.applied(workerId, m.generation, m.errors);
        return;
      }
      case 'start-failed':
      case 'listening':
        return;
    }
  }

  private checkDrained(): void {
    if (this.onDrained && this.supervisor.liveWorkerIds().every((id) => this.drainedWorkers.has(id))) this.onDrained();
  }

  private onClusterSnapshot(snap: ClusterManagerSnapshot): void {
    this.supervisor.broadcast({ t: 'clusters', generation: this.generation, clusters: snap });
    this.health.hostsChanged();
  }

  // ------------------------------------------------------------------ admin view

  workerIds(): number[] {
    const ids: number[] = [];
    for (let i = 0; i < this.opts.workers; i++) ids.push(i);
    return ids;
  }

  askPools(worker: number): Promise<unknown> {
    const id = this.nextAskId++;
    return new Promise((resolve, reject) => {
      if (!this.supervisor.send(worker, { t: 'pools?', id } satisfies MainToWorker)) {
        reject(new Error(`worker ${worker} is not running`));
        return;
      }
      this.poolAsks.set(id, { resolve });
      // The admin bounds the wait itself; this only stops the map from growing if a worker died.
      setTimeout(() => this.poolAsks.delete(id), POOLS_TIMEOUT_MS * 5);
    });
  }

  /** `--drain-timeout` over the config's `drain_timeout`. */
  private get drainTimeoutMs(): number {
    return this.opts.drainTimeoutMs ?? this.config.drainTimeoutMs;
  }

  /** What runs: the file's config with the command line's overrides and the admin's bound port. */
  configDump(): unknown {
    const effective: ProxyConfig = {
      ...this.config,
      workers: this.opts.workers,
      drainTimeoutMs: this.drainTimeoutMs,
      admin: { ...this.config.admin, port: this.admin?.port ?? this.config.admin.port },
    };
    return { generation: this.generation, config: redactConfig(effective) };
  }

  statScopeNames(): string[] {
    return [...this.config.clusters.map((c) => c.name), ...this.config.listeners.map((l) => l.name)];
  }

  listeners(): ListenerStatus[] {
    return this.config.listeners.map((l) => {
      const b = this.bound.find((x) => x.name === l.name);
      return { name: l.name, local_address: { socket_address: { address: l.address, port_value: b?.port ?? l.port } } };
    });
  }

  serverInfo(): ServerInfo {
    return {
      version: this.opts.version,
      state: this.state,
      runtime: { name: this.adapter.name, version: this.adapter.version },
      uptime_seconds: Math.floor((this.adapter.now() - this.startedAt) / 1000),
      workers: this.opts.workers,
      listening_model: this.adapter.listeningModel,
      config_generation: this.generation,
    };
  }

  isReady(): boolean {
    return this.state === 'LIVE';
  }

  // ------------------------------------------------------------------ reload, drain, quit

  /**
   * Validate the file again and push it to the workers as a new generation; answers once every
   * worker applied it. A config that does not validate changes nothing. One a worker could not
   * fully apply (a moved listener's new port is taken) is in effect except for what failed, and
   * the answer says what. `admin` and `workers` are read at start only: a change to them is kept
   * out of the running config and named in the answer.
   */
  async reload(): Promise<ReloadResult> {
    if (this.state === 'DRAINING') {
      const errors = ['the proxy is draining: a reload would open listeners it is closing'];
      this.log.warn(`reload refused; ${errors[0]}`);
      return { ok: false, errors, unavailable: true };
    }
    let next: ProxyConfig;
    try {
      next = await this.opts.loadConfig(this.opts.configPath);
    } catch (e) {
      const errors = e instanceof ConfigError ? e.issueLines() : [e instanceof Error ? e.message : String(e)];
      this.log.error(`reload rejected; still serving generation ${this.generation}`, { errors });
      return { ok: false, errors };
    }
    const ours = new Set(this.config.listeners.map((l) => `${l.address}:${l.port}`));
    const unbindable = await unbindableListeners(this.adapter, next.listeners, ours);
    if (unbindable.length > 0) {
      const errors = unbindable.map((e) => `${this.opts.configPath}: ${e.message}`);
      this.log.error(`reload rejected; still serving generation ${this.generation}`, { errors });
      return { ok: false, errors };
    }
    try {
      next = { ...next, listeners: await pickFreePorts(this.adapter, next.listeners, this.pickedPorts) };
    } catch (e) {
      const errors = [`${this.opts.configPath}: ${e instanceof Error ? e.message : String(e)}`];
      this.log.error(`reload rejected; still serving generation ${this.generation}`, { errors });
      return { ok: false, errors };
    }
    const warnings = restartOnlyChanges(this.config, next, this.admin?.port ?? this.config.admin.port);
    for (const w of warnings) this.log.warn(w);
    next = { ...next, admin: this.config.admin, workers: this.config.workers };
    this.generation++;
    const generation = this.generation;
    this.config = next;
    await this.clusterManager.applyConfig(next.clusters.map(toUpstreamCluster));
    const applied = this.generationWait.start(generation, this.supervisor.liveWorkerIds());
    this.supervisor.broadcast({
      t: 'generation',
      snapshot: { generation, config: next, clusters: this.clusterManager.snapshot() },
    });
    this.health.apply(next);
    this.warnUnhonoured(next);
    const { errors, notes } = await applied;
    if (errors.length > 0) {
      this.log.error(`config generation ${generation} applied with errors`, { generation, errors });
      return { ok: false, applied: true, generation, errors };
    }
    for (const n of notes) this.log.warn(n);
    this.log.info(`config reloaded: generation ${generation}`, { generation });
    return { ok: true, generation, warnings: [...warnings, ...notes] };
  }

  /**
   * POST /admin/drain, as Envoy's drain_listeners: the listeners close, in-flight requests finish
   * and idle connections close, but the process keeps running (admin, stats) until quit or SIGTERM.
   */
  drain(): Promise<void> {
    if (this.state !== 'LIVE') return Promise.resolve();
    this.state = 'DRAINING';
    const timeoutMs = this.drainTimeoutMs;
    this.log.info('draining listeners (admin drain): no new connections; the process runs on until quit or SIGTERM');
    // A replacement for a worker that dies now would open the listeners again.
    this.supervisor.beginShutdown();
    this.unwatch?.();
    this.supervisor.broadcast({ t: 'drain', deadlineMs: timeoutMs });
    return Promise.resolve();
  }

  async quit(): Promise<void> {
    await this.shutdown('admin quit');
  }

  /**
   * SIGTERM / SIGINT: drain. While starting, remembered until live. A second one while draining
   * ends the drain at once, as an operator who sends it again means.
   */
  private onStopSignal(signal: 'SIGTERM' | 'SIGINT'): void {
    if (this.state === 'INITIALIZING') {
      if (this.stopWhenLive === null) this.log.info(`${signal} while starting: stopping once started`);
      this.stopWhenLive = signal;
      return;
    }
    if (this.endDrainNow !== null) {
      this.log.warn(`${signal} again while draining: closing the remaining connections now`);
      this.endDrainNow();
      return;
    }
    void this.shutdown(signal);
  }

  /** Stop accepting, let in-flight requests finish (up to drain_timeout), then stop workers and admin. */
  shutdown(reason: string): Promise<void> {
    if (this.stopping) return this.stopping;
    this.stopping = (async () => {
      this.state = 'DRAINING';
      const timeoutMs = this.drainTimeoutMs;
      this.log.info(`draining (${reason}): up to ${timeoutMs} ms for in-flight requests`, { reason });
      this.supervisor.beginShutdown();
      this.unwatch?.();
      this.health.stop();
      const drained = new Promise<void>((resolve) => {
        this.onDrained = resolve;
        this.checkDrained();
      });
      this.supervisor.broadcast({ t: 'drain', deadlineMs: timeoutMs });
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = await Promise.race([
        drained.then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), timeoutMs);
          this.endDrainNow = () => resolve(true);
        }),
      ]);
      this.endDrainNow = null;
      clearTimeout(timer);
      if (timedOut) this.log.warn('drain timeout reached; closing remaining connections');
      await this.supervisor.terminateAll();
      this.clusterManager.close();
      await this.admin?.close();
      this.log.info('proxy stopped');
      this.stopResolve?.();
    })();
    return this.stopping;
  }
}

/** The messages main and workers exchange (structured clone; SharedArrayBuffers pass by reference). */

/** One listener a worker has bound. */
export interface ListenerBound {
  name: string;
  host: string;
  port: number;
}

/** Everything a worker needs to serve one config generation. Immutable once sent. */
export interface GenerationSnapshot {
  generation: number;
  /** The validated config (plain data). */
  config: unknown;
  /** The ClusterManager's snapshot: clusters, hosts, health, circuit-breaker memory. */
  clusters: unknown;
}

export type MainToWorker =
  | {
      t: 'init';
      workerId: number;
      workerCount: number;
      incarnation: number;
      snapshot: GenerationSnapshot;
      /** Options that are not config: log level/format, test hooks. */
      options: WorkerOptions;
    }
  /** A new config generation: bind new listeners, close removed ones, swap routes and clusters. */
  | { t: 'generation'; snapshot: GenerationSnapshot }
  /** Cluster membership or health changed within the current generation. */
  | { t: 'clusters'; generation: number; clusters: unknown }
  /** Stop accepting, finish in-flight requests, close keep-alive connections; answer 'drained'. */
  | { t: 'drain'; deadlineMs: number }
  /** Ask for pool state (admin); the worker answers 'pools' with the same id. */
  | { t: 'pools?'; id: number };

export type WorkerToMain =
  | { t: 'listening'; workerId: number; listeners: ListenerBound[] }
  | { t: 'start-failed'; workerId: number; error: string }
  | { t: 'generation-applied'; workerId: number; generation: number; listeners: ListenerBound[]; errors: string[] }
  | { t: 'drained'; workerId: number }
  | { t: 'pools'; id: number; workerId: number; pools: unknown }
  /** Stats slots the worker registered since its last report (name → slot, and new memory segments). */
  | { t: 'stats'; workerId: number; registration: unknown }
  /** Batched request outcomes per host, for outlier detection on main. */
  | { t: 'outlier'; workerId: number; batch: unknown };

export interface WorkerOptions {
  logLevel: string;
  logFormat: 'human' | 'json';
  /** Test hook: worker 0's first incarnation throws from its event loop after this many ms. */
  injectCrashAfterMs?: number;
}

/**
 * Worker side of outlier detection: records each upstream result into preallocated typed
 * arrays (no allocation per request: a result extends the host's last run or appends one) and
 * sends main an `OutlierReportBatch` at most every `flushIntervalMs`. One exception keeps it
 * lossless: when a host's run buffer fills inside a window (results alternating unusually
 * often), the batch is sent at once instead of dropping or merging results.
 */
import type { Clock, Timer } from '../common/clock.ts';
import { OUTCOME_GATEWAY_FAILURE, outcomeOfStatus, type OutlierOutcome } from './outlier-outcome.ts';
import { MAX_RUN_COUNT, type OutlierHostRuns, type OutlierReportBatch } from './outlier-report.ts';

/** A registered host. Keep it on the worker's host object; results for it are recorded through it. */
export class OutlierHostHandle {
  readonly cluster: string;
  readonly host: string;
  /** False once unregistered: late results (requests that outlive the host) are dropped. */
  alive = true;
  slot: number;
  constructor(cluster: string, host: string, slot: number) {
    this.cluster = cluster;
    this.host = host;
    this.slot = slot;
  }
}

export interface OutlierReporterOptions {
  worker: number;
  /** Minimum time between two regular flushes. */
  flushIntervalMs: number;
  clock: Clock;
  send(batch: OutlierReportBatch): void;
  /** Runs a host can hold between flushes before an early flush. Default 64. */
  maxRunsPerHost?: number;
}

const MAX_RUN_VALUE = MAX_RUN_COUNT * 4;

export class OutlierReporter {
  private readonly worker: number;
  private readonly flushIntervalMs: number;
  private readonly clock: Clock;
  private readonly send: (batch: OutlierReportBatch) => void;
  private readonly maxRuns: number;
  private capacity = 0;
  private runs = new Uint32Array(0);
  private runLengths = new Int32Array(0);
  private dirtyFlags = new Uint8Array(0);
  private dirty = new Int32Array(0);
  private dirtyCount = 0;
  private handles: (OutlierHostHandle | undefined)[] = [];
  private readonly freeSlots: number[] = [];
  private readonly byKey = new Map<string, OutlierHostHandle>();
  private timer: Timer | undefined;
  private lastFlushAt = -Infinity;
  private stopped = false;
  private readonly onTimer = (): void => {
    this.timer = undefined;
    this.flush();
  };

  constructor(opts: OutlierReporterOptions) {
    this.worker = opts.worker;
    this.flushIntervalMs = opts.flushIntervalMs;
    this.clock = opts.clock;
    this.send = opts.send;
    this.maxRuns = Math.max(1, opts.maxRunsPerHost ?? 64);
  }

  /** The handle for a host; the same one while it stays registered. */
  register(cluster: string, host: string): OutlierHostHandle {
    const key = `${cluster}\u0000${host}`;
    const existing = this.byKey.get(key);
    if (existing) return existing;
    const slot = this.freeSlots.pop() ?? this.grow();
    const handle = new OutlierHostHandle(cluster, host, slot);
    this.handles[slot] = handle;
    this.runLengths[slot] = 0;
    this.byKey.set(key, handle);
    return handle;
  }

  /** Forget a host (removed from its cluster); its unsent results are dropped. */
  unregister(handle: OutlierHostHandle): void {
    if (!handle.alive) return;
    handle.alive = false;
    this.byKey.delete(`${handle.cluster}\u0000${handle.host}`);
    this.handles[handle.slot] = undefined;
    this.runLengths[handle.slot] = 0;
    this.freeSlots.push(handle.slot);
  }

  /** An upstream response arrived with `status`. */
  recordStatus(handle: OutlierHostHandle, status: number): void {
    this.record(handle, outcomeOfStatus(status));
  }

  /** Connect failure, reset, or upstream timeout (Envoy maps these to 503/504). */
  recordLocalFailure(handle: OutlierHostHandle): void {
    this.record(handle, OUTCOME_GATEWAY_FAILURE);
  }

  record(handle: OutlierHostHandle, outcome: OutlierOutcome): void {
    if (!handle.alive || this.stopped) return;
    const slot = handle.slot;
    const base = slot * this.maxRuns;
    let n = this.runLengths[slot] ?? 0;
    if (n > 0) {
      const last = this.runs[base + n - 1] ?? 0;
      if (last % 4 === outcome && last < MAX_RUN_VALUE) {
        this.runs[base + n - 1] = last + 4;
        return;
      }
      if (n === this.maxRuns) {
        this.flush();
        n = 0;
      }
    }
    if (this.dirtyFlags[slot] === 0) {
      this.dirtyFlags[slot] = 1;
      this.dirty[this.dirtyCount++] = slot;
    }
    this.runs[base + n] = 4 + outcome;
    this.runLengths[slot] = n + 1;
    if (this.timer === undefined) {
      const wait = Math.max(0, this.lastFlushAt + this.flushIntervalMs - this.clock.now());
      this.timer = this.clock.setTimer(wait, this.onTimer);
    }
  }

  /** Send everything recorded so far, now (e.g. before the worker exits). */
  flush(): void {
    this.timer?.cancel();
    this.timer = undefined;
    if (this.dirtyCount === 0) return;
    const hosts: OutlierHostRuns[] = [];
    for (let i = 0; i < this.dirtyCount; i++) {
      const slot = this.dirty[i] ?? 0;
      this.dirtyFlags[slot] = 0;
      const handle = this.handles[slot];
      const n = this.runLengths[slot] ?? 0;
      if (!handle || n === 0) continue;
      const base = slot * this.maxRuns;
      hosts.push({ cluster: handle.cluster, host: handle.host, runs: Array.from(this.runs.subarray(base, base + n)) });
      this.runLengths[slot] = 0;
    }
    this.dirtyCount = 0;
    this.lastFlushAt = this.clock.now();
    if (hosts.length > 0) this.send({ type: 'outlier_report', worker: this.worker, hosts });
  }

  /** Stop for good: no more timers, later results are ignored (call `flush` first to keep any). */
  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = undefined;
  }

  private grow(): number {
    const old = this.capacity;
    const cap = Math.max(8, old * 2);
    const runs = new Uint32Array(cap * this.maxRuns);
    runs.set(this.runs);
    const lengths = new Int32Array(cap);
    lengths.set(this.runLengths);
    const flags = new Uint8Array(cap);
    flags.set(this.dirtyFlags);
    const dirty = new Int32Array(cap);
    dirty.set(this.dirty);
    this.runs = runs;
    this.runLengths = lengths;
    this.dirtyFlags = flags;
    this.dirty = dirty;
    this.capacity = cap;
    for (let s = cap - 1; s > old; s--) this.freeSlots.push(s);
    return old;
  }
}

/**
 * Keeps a worker's JavaScript heap near what is alive. Two rules, checked every few milliseconds:
 * a young collection whenever the process's memory grew since the last one, and a full
 * collection (young first) whenever the heap has grown half again over what survived the last
 * full one. JavaScriptCore sizes its heap for the machine's RAM: under 1,000 connections with
 * about 8 MiB alive, it let the worker's heap blocks reach 30–35 MiB between its own
 * collections, and what the heap grew to stayed resident. Envoy's overload manager shrinks its
 * heap for the same reason.
 */
import type { HeapControl } from '../../runtime-adapters/types.ts';
import type { Clock, Timer } from '../common/clock.ts';
import type { Counter, Gauge } from '../stats/stat-handles.ts';

export interface HeapGovernorOptions {
  /** How often the heap is looked at while the worker is busy. */
  intervalMs: number;
  /** The longest wait between looks: an idle worker's looks back off to this. */
  idleIntervalMs: number;
  /** No full collection is asked for below this heap size: a small heap is not worth the pause. */
  floorBytes: number;
  /** A young collection is asked for once the footprint grew this much since the last one. */
  youngStepBytes: number;
}

export const HEAP_GOVERNOR_DEFAULTS: HeapGovernorOptions = {
  // At 30k requests/s about 0.5 MiB of short-lived objects is made in 20 ms. A young collection
  // costs a fraction of a millisecond; at 64 connections the footprint mostly holds still and
  // about 5 are asked for a second (CPU per request and p99 unchanged within this machine's noise).
  intervalMs: 20,
  // An idle worker looks 6 times a second instead of 50 (each look reads the footprint).
  idleIntervalMs: 160,
  floorBytes: 8 * 1024 * 1024,
  youngStepBytes: 64 * 1024,
};

/** The next full collection waits until the heap is this many times what survived the last one. */
const GROWTH = 1.5;

export interface HeapGovernorStats {
  /** Full collections the governor asked for. */
  collections: Counter;
  /** Young-generation collections the governor asked for (including those before a full one). */
  youngCollections: Counter;
  /** The heap's size at the last look, bytes. */
  heapSize: Gauge;
}

export class HeapGovernor {
  private readonly heap: HeapControl;
  private readonly clock: Clock;
  private readonly stats: HeapGovernorStats;
  private readonly options: HeapGovernorOptions;
  private limit: number;
  /** The footprint right after the last young collection (or its lowest since). */
  private footprintBase = -1;
  /** True when the worker did work since the last look (no signal: always busy). */
  private readonly busy: () => boolean;
  private nextIntervalMs: number;
  private timer: Timer | null = null;
  private readonly tickBound = (): void => this.tick();

  constructor(
    heap: HeapControl,
    clock: Clock,
    stats: HeapGovernorStats,
    options: HeapGovernorOptions = HEAP_GOVERNOR_DEFAULTS,
    busy: () => boolean = () => true,
  ) {
    this.heap = heap;
    this.busy = busy;
    this.clock = clock;
    this.stats = stats;
    this.options = options;
    this.limit = options.floorBytes;
    this.nextIntervalMs = options.intervalMs;
  }

  /** The heap size that triggers the next full collection. */
  get nextCollectionAt(): number {
    return this.limit;
  }

  start(): void {
    if (this.timer === null) this.timer = this.clock.setTimer(this.nextIntervalMs, this.tickBound);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  /**
   * One look at the heap.
   *
   * Young rule: the heap's size does not count what was allocated since the last collection, so
   * the footprint is watched instead. When it grew, freed space did not absorb the new garbage;
   * a young collection frees it before more blocks are taken. A footprint that holds still costs
   * nothing: the runtime refills what the last collection freed. The footprint is the process's,
   * so with several workers growth caused by one also prompts a (cheap) young collection in the
   * others while they are busy.
   *
   * Full rule: objects alive at a young collection are promoted, and with 1,000 requests in
   * flight most request objects are. At the limit a young collection is tried first (the size
   * also counts the buffers behind typed arrays, which die young); a full one is made only when
   * that left the heap at the limit, and the next limit is set from what survived it.
   */
  check(): void {
    // Busy, not "the footprint grew": under steady load the footprint holds still (freed space is
    // refilled) while garbage is made as fast as ever, and slower looks let it grow by steps.
    this.nextIntervalMs = this.busy()
      ? this.options.intervalMs
      : Math.min(this.options.idleIntervalMs, this.nextIntervalMs * 2);
    const footprint = this.heap.footprint();
    if (this.footprintBase < 0 || footprint < this.footprintBase) {
      this.footprintBase = footprint;
    } else if (footprint - this.footprintBase >= this.options.youngStepBytes) {
      this.collectYoung();
    }
    let size = this.heap.size();
    if (size >= this.limit) {
      this.collectYoung();
      size = this.heap.size();
      if (size >= this.limit) {
        this.heap.collect();
        this.stats.collections.inc();
        size = this.heap.size();
        this.limit = Math.max(this.options.floorBytes, size * GROWTH);
        this.footprintBase = this.heap.footprint();
      }
    }
    this.stats.heapSize.set(size);
  }

  private collectYoung(): void {
    this.heap.collectYoung();
    this.stats.youngCollections.inc();
    this.footprintBase = this.heap.footprint();
  }

  private tick(): void {
    this.timer = null;
    this.check();
    this.start();
  }
}

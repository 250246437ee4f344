/**
 * Keeps a worker's JavaScript heap near what is alive: a collection (young first, full if that
 * is not enough) whenever the heap has doubled since the last full one. JavaScriptCore sizes its heap for the machine's RAM and, under
 * 1,000 connections with about 10 MiB alive, let the worker's heap reach 50 MiB before it
 * collected; what it had grown to stayed resident. Envoy's overload manager shrinks its heap
 * for the same reason.
 */
import type { HeapControl } from '../../runtime-adapters/types.ts';
import type { Clock, Timer } from '../common/clock.ts';
import type { Counter, Gauge } from '../stats/stat-handles.ts';

export interface HeapGovernorOptions {
  /** How often the heap is looked at. */
  intervalMs: number;
  /** No collection is asked for below this size: a small heap is not worth a pause. */
  floorBytes: number;
}

export const HEAP_GOVERNOR_DEFAULTS: HeapGovernorOptions = {
  // At 60k requests/s the heap grows about 2 MiB in 100 ms: the overshoot stays small.
  intervalMs: 100,
  floorBytes: 16 * 1024 * 1024,
};

/** The next collection waits until the heap is this many times what survived the last one. */
const GROWTH = 2;

export interface HeapGovernorStats {
  /** Full collections the governor asked for. */
  collections: Counter;
  /** Young-generation collections that brought the heap back under the limit, so no full one was needed. */
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
  private timer: Timer | null = null;
  private readonly tickBound = (): void => this.tick();

  constructor(heap: HeapControl, clock: Clock, stats: HeapGovernorStats, options: HeapGovernorOptions = HEAP_GOVERNOR_DEFAULTS) {
    this.heap = heap;
    this.clock = clock;
    this.stats = stats;
    this.options = options;
    this.limit = options.floorBytes;
  }

  /** The heap size that triggers the next collection. */
  get nextCollectionAt(): number {
    return this.limit;
  }

  start(): void {
    if (this.timer === null) this.timer = this.clock.setTimer(this.options.intervalMs, this.tickBound);
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  /**
   * One look at the heap: at the limit, a young collection first. The size counts the buffers
   * behind typed arrays, and large bodies (a 64 KiB response is a 64 KiB read) push it past the
   * limit in a few milliseconds although they die young; a full collection (several ms with
   * 1,000 connections) is made only when the young one left the heap at the limit, and the next
   * limit is set from what survived it.
   */
  check(): void {
    let size = this.heap.size();
    if (size >= this.limit) {
      this.heap.collectYoung();
      size = this.heap.size();
      if (size < this.limit) this.stats.youngCollections.inc();
      else {
        this.heap.collect();
        this.stats.collections.inc();
        size = this.heap.size();
        this.limit = Math.max(this.options.floorBytes, size * GROWTH);
      }
    }
    this.stats.heapSize.set(size);
  }

  private tick(): void {
    this.timer = null;
    this.check();
    this.start();
  }
}

/** A thread's own stats: named Float64 slots in SharedArrayBuffer segments that main reads directly. */
import { Counter, Gauge } from './stat-handles.ts';
import { StatTypeMismatchError } from './stats-errors.ts';
import type { StatLocation, StatSegment, StatsRegistration, StatType, StatValue } from './stat-types.ts';

/** Called synchronously for every new stat; the owner forwards it to main (postMessage). */
export type StatsRegistrationListener = (registration: StatsRegistration) => void;

export interface StatsStoreOptions {
  /** Slots per segment; a new segment is allocated when one fills. */
  segmentSlots?: number;
  onRegister?: StatsRegistrationListener;
}

interface Entry {
  location: StatLocation;
  handle: Counter | Gauge;
}

const DEFAULT_SEGMENT_SLOTS = 1024;

/**
 * Single writer: only the thread that created the store writes to it, so the hot path is a plain
 * Float64 add with no Atomics. Slots are handed out by name on first use and never freed.
 */
export class StatsStore {
  private readonly segmentSlots: number;
  private readonly segments: StatSegment[] = [];
  private readonly views: Float64Array[] = [];
  private readonly entries = new Map<string, Entry>();
  private nextSlot = 0;
  private listener: StatsRegistrationListener | undefined;

  constructor(options: StatsStoreOptions = {}) {
    this.segmentSlots = options.segmentSlots ?? DEFAULT_SEGMENT_SLOTS;
    this.listener = options.onRegister;
  }

  /** Replace the listener; registrations made before it was set are in `registrations()`. */
  setRegistrationListener(listener: StatsRegistrationListener | undefined): void {
    this.listener = listener;
  }

  counter(name: string): Counter {
    const handle = this.get(name, 'counter');
    return handle as Counter;
  }

  gauge(name: string): Gauge {
    const handle = this.get(name, 'gauge');
    return handle as Gauge;
  }

  /** Current value of `name` in this store; 0 when it was never registered. */
  value(name: string): number {
    const e = this.entries.get(name);
    return e ? e.handle.value : 0;
  }

  /** True when `name` has been registered. */
  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** Everything registered so far, for a reader that joins late (or a replaced worker). */
  registrations(): StatsRegistration {
    const stats: StatLocation[] = [];
    for (const e of this.entries.values()) stats.push({ ...e.location });
    return { segments: this.segments.map((s) => ({ ...s })), stats };
  }

  /** This store's own values, sorted by name. */
  snapshot(): StatValue[] {
    const out: StatValue[] = [];
    for (const e of this.entries.values()) {
      out.push({ name: e.location.name, value: e.handle.value, type: e.location.type });
    }
    out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return out;
  }

  private get(name: string, type: StatType): Counter | Gauge {
    const existing = this.entries.get(name);
    if (existing) {
      if (existing.location.type !== type) {
        throw new StatTypeMismatchError(name, existing.location.type, type);
      }
      return existing.handle;
    }
    return this.register(name, type);
  }

  private register(name: string, type: StatType): Counter | Gauge {
    const newSegments: StatSegment[] = [];
    let segmentIndex = this.segments.length - 1;
    if (segmentIndex < 0 || this.nextSlot >= this.segmentSlots) {
      const buffer = new SharedArrayBuffer(this.segmentSlots * Float64Array.BYTES_PER_ELEMENT);
      segmentIndex = this.segments.length;
      const segment: StatSegment = { index: segmentIndex, buffer };
      this.segments.push(segment);
      this.views.push(new Float64Array(buffer));
      this.nextSlot = 0;
      newSegments.push(segment);
    }
    const slot = this.nextSlot++;
    const view = this.views[segmentIndex]!;
    const handle = type === 'counter' ? new Counter(name, view, slot) : new Gauge(name, view, slot);
    const location: StatLocation = { name, type, segment: segmentIndex, slot };
    this.entries.set(name, { location, handle });
    if (this.listener) this.listener({ segments: newSegments, stats: [{ ...location }] });
    return handle;
  }
}

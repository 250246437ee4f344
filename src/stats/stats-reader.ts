/** Main's view of every thread's stats store: sums counters and gauges without asking the threads. */
import { UnknownStatSegmentError } from './stats-errors.ts';
import type { StatsRegistration, StatType, StatValue } from './stat-types.ts';

/** One thread's contribution to a stat. */
export interface SourceValue {
  source: string;
  value: number;
}

interface Source {
  views: Map<number, Float64Array>;
  /** name → [view, slot] */
  slots: Map<string, { view: Float64Array; slot: number }>;
}

/**
 * Sources are named by the caller ("main", "worker_0", ...). A source that goes away (a crashed
 * worker) is retired: its counters are frozen at their last value and keep counting in the
 * totals, as Envoy's counters never go backwards; its gauges are dropped (its connections are gone).
 */
export class StatsReader {
  private readonly sources = new Map<string, Source>();
  private readonly types = new Map<string, StatType>();
  private readonly retiredCounters = new Map<string, number>();

  /** Apply a registration message (or a full `registrations()` dump) from `source`. */
  apply(source: string, registration: StatsRegistration): void {
    let s = this.sources.get(source);
    if (!s) {
      s = { views: new Map(), slots: new Map() };
      this.sources.set(source, s);
    }
    for (const seg of registration.segments) {
      if (!s.views.has(seg.index)) s.views.set(seg.index, new Float64Array(seg.buffer));
    }
    for (const loc of registration.stats) {
      const view = s.views.get(loc.segment);
      if (!view) throw new UnknownStatSegmentError(source, loc.segment);
      s.slots.set(loc.name, { view, slot: loc.slot });
      if (!this.types.has(loc.name)) this.types.set(loc.name, loc.type);
    }
  }

  /** The source is gone: keep its counters' last values, forget its gauges and buffers. */
  retire(source: string): void {
    const s = this.sources.get(source);
    if (!s) return;
    for (const [name, { view, slot }] of s.slots) {
      if (this.types.get(name) !== 'counter') continue;
      this.retiredCounters.set(name, (this.retiredCounters.get(name) ?? 0) + view[slot]!);
    }
    this.sources.delete(source);
  }

  sourceNames(): string[] {
    return [...this.sources.keys()];
  }

  has(name: string): boolean {
    return this.types.has(name);
  }

  type(name: string): StatType | undefined {
    return this.types.get(name);
  }

  /** Sum over live sources (plus retired counters). 0 for a name nobody registered. */
  value(name: string): number {
    let total = this.retiredCounters.get(name) ?? 0;
    for (const s of this.sources.values()) {
      const e = s.slots.get(name);
      if (e) total += e.view[e.slot]!;
    }
    return total;
  }

  /** Each live source's value for `name` (sources that never registered it are omitted). */
  perSource(name: string): SourceValue[] {
    const out: SourceValue[] = [];
    for (const [source, s] of this.sources) {
      const e = s.slots.get(name);
      if (e) out.push({ source, value: e.view[e.slot]! });
    }
    return out;
  }

  /** Every known stat with its total, sorted by name. */
  snapshot(): StatValue[] {
    const out: StatValue[] = [];
    for (const [name, type] of this.types) out.push({ name, value: this.value(name), type });
    out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return out;
  }
}

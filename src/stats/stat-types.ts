/** Shapes shared by the stats writer (a worker's store) and the reader on main. */

/** Counters only grow; gauges go up and down. Both are summed across threads by the reader. */
export type StatType = 'counter' | 'gauge';

/** One stat's value as reported by a snapshot. */
export interface StatValue {
  name: string;
  value: number;
  type: StatType;
}

/** Where one stat lives: slot `slot` of the Float64 segment `segment` of its store. */
export interface StatLocation {
  name: string;
  type: StatType;
  segment: number;
  slot: number;
}

/** A segment of a store: a SharedArrayBuffer of Float64 slots, shared with main by message. */
export interface StatSegment {
  index: number;
  buffer: SharedArrayBuffer;
}

/**
 * What a store tells main about new stats: segments first seen in this message plus the
 * name → slot entries. Structured-clone-able (post it as is).
 */
export interface StatsRegistration {
  segments: StatSegment[];
  stats: StatLocation[];
}

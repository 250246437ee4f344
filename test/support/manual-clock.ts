/** A clock for unit tests: time moves only when the test calls `advance`. */
import type { Clock, Timer } from '../../src/common/clock.ts';

interface Entry {
  at: number;
  seq: number;
  fn: () => void;
  cancelled: boolean;
}

export class ManualClock implements Clock {
  private t = 0;
  private seq = 0;
  private entries: Entry[] = [];

  now(): number {
    return this.t;
  }

  setTimer(ms: number, fn: () => void): Timer {
    const e: Entry = { at: this.t + ms, seq: this.seq++, fn, cancelled: false };
    this.entries.push(e);
    return { cancel: () => { e.cancelled = true; } };
  }

  /** Timers not yet fired or cancelled. */
  pending(): number {
    return this.entries.filter((e) => !e.cancelled).length;
  }

  /** Move time forward, firing due timers in order (timers set while firing also fire if due). */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: Entry | undefined;
      for (const e of this.entries) {
        if (e.cancelled || e.at > end) continue;
        if (!next || e.at < next.at || (e.at === next.at && e.seq < next.seq)) next = e;
      }
      if (!next) break;
      this.t = next.at;
      next.cancelled = true;
      next.fn();
    }
    this.entries = this.entries.filter((e) => !e.cancelled);
    this.t = end;
  }
}

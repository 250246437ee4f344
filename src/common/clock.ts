/** Time as the core sees it: injected so unit tests drive timers with a manual clock. */

export interface Timer {
  cancel(): void;
}

export interface Clock {
  /** Monotonic milliseconds. */
  now(): number;
  /** Run `fn` once after `ms`. */
  setTimer(ms: number, fn: () => void): Timer;
}

class RealTimer implements Timer {
  private handle: ReturnType<typeof setTimeout>;
  constructor(ms: number, fn: () => void) {
    this.handle = setTimeout(fn, ms);
  }
  cancel(): void {
    clearTimeout(this.handle);
  }
}

/** The clock of the running proxy: `setTimeout` is a web standard every runtime has. */
export function realClock(now: () => number): Clock {
  return {
    now,
    setTimer: (ms, fn) => new RealTimer(ms, fn),
  };
}

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

/**
 * The clock of the running proxy. Like nginx's cached time and Envoy's approximate dispatcher
 * time, `now()` reads the system clock once per run of JavaScript and answers later calls of the
 * same run from that reading: a request reads the time about eight times, and a read costs as
 * much as a small allocation. A microtask forgets the reading when the run ends, so no callback
 * of a later event ever sees it. `setTimeout` is a web standard every runtime has.
 */
class LoopClock implements Clock {
  private readonly read: () => number;
  private cached = -1;
  private readonly forget = (): void => {
    this.cached = -1;
  };

  constructor(read: () => number) {
    this.read = read;
  }

  now(): number {
    let t = this.cached;
    if (t < 0) {
      t = this.read();
      this.cached = t;
      queueMicrotask(this.forget);
    }
    return t;
  }

  setTimer(ms: number, fn: () => void): Timer {
    return new RealTimer(ms, fn);
  }
}

export function realClock(now: () => number): Clock {
  return new LoopClock(now);
}

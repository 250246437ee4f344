/**
 * Timeouts that all share one duration (a route's `timeout`): an intrusive FIFO with one timer.
 * Deadlines of one duration arrive in order, so adding and removing are O(1) pointer updates:
 * no per-request closure, no per-request setTimeout/clearTimeout on the hot path.
 */
import type { Clock, Timer } from './clock.ts';

/** An object that can sit in one TimeoutList; the list links it through these fields. */
export interface TimeoutNode {
  tlPrev: TimeoutNode | null;
  tlNext: TimeoutNode | null;
  tlList: TimeoutList | null;
  tlDeadline: number;
  onTimeout(): void;
}

export class TimeoutList {
  readonly durationMs: number;
  private readonly clock: Clock;
  private head: TimeoutNode | null = null;
  private tail: TimeoutNode | null = null;
  private timer: Timer | null = null;
  /** When the armed timer fires (it may be earlier than the head's deadline: then it re-arms). */
  private timerAt = 0;
  private readonly fireBound = (): void => this.fire();

  constructor(clock: Clock, durationMs: number) {
    this.clock = clock;
    this.durationMs = durationMs;
  }

  get size(): number {
    let n = 0;
    for (let x = this.head; x; x = x.tlNext) n++;
    return n;
  }

  add(node: TimeoutNode): void {
    if (node.tlList) node.tlList.remove(node);
    node.tlDeadline = this.clock.now() + this.durationMs;
    node.tlList = this;
    node.tlNext = null;
    node.tlPrev = this.tail;
    if (this.tail) this.tail.tlNext = node;
    else this.head = node;
    this.tail = node;
    if (!this.timer) this.arm(node.tlDeadline);
  }

  remove(node: TimeoutNode): void {
    if (node.tlList !== this) return;
    if (node.tlPrev) node.tlPrev.tlNext = node.tlNext;
    else this.head = node.tlNext;
    if (node.tlNext) node.tlNext.tlPrev = node.tlPrev;
    else this.tail = node.tlPrev;
    node.tlPrev = node.tlNext = null;
    node.tlList = null;
    // The timer is left armed: when it fires it re-arms for the new head, or stops if empty.
  }

  /** Cancel the timer (the owner stops for good; nodes still linked never time out). */
  stop(): void {
    this.timer?.cancel();
    this.timer = null;
  }

  private arm(at: number): void {
    this.timerAt = at;
    this.timer = this.clock.setTimer(Math.max(0, at - this.clock.now()), this.fireBound);
  }

  private fire(): void {
    this.timer = null;
    const now = this.clock.now();
    for (let n = this.head; n && n.tlDeadline <= now; n = this.head) {
      this.remove(n);
      n.onTimeout();
    }
    if (this.head && !this.timer) this.arm(this.head.tlDeadline);
  }
}

/** One list per duration, created on first use (a worker has few distinct route timeouts). */
export class TimeoutLists {
  private readonly clock: Clock;
  private readonly lists = new Map<number, TimeoutList>();

  constructor(clock: Clock) {
    this.clock = clock;
  }

  get(durationMs: number): TimeoutList {
    let l = this.lists.get(durationMs);
    if (!l) {
      l = new TimeoutList(this.clock, durationMs);
      this.lists.set(durationMs, l);
    }
    return l;
  }

  stop(): void {
    for (const l of this.lists.values()) l.stop();
  }
}

/** What every runtime's worker handle shares: messages that arrive before a listener, and one exit report. */
import type { WorkerHandle } from './types.ts';

/**
 * The bookkeeping half of a WorkerHandle; a runtime's subclass owns the Worker object, posts to
 * it, terminates it, and calls `deliver` and `finish` from its events.
 */
export abstract class WorkerHandleBase implements WorkerHandle {
  readonly id: number;
  private messageFns: Array<(message: unknown) => void> = [];
  private early: unknown[] = [];
  private exitFns: Array<(code: number) => void> = [];
  /** The code reported by `finish`, or null while the worker runs. */
  protected exitCode: number | null = null;
  /** Resolves once `finish` has run (what `terminate` waits for). */
  protected readonly exited: Promise<void>;
  private markExited!: () => void;

  constructor(id: number) {
    this.id = id;
    this.exited = new Promise((resolve) => {
      this.markExited = resolve;
    });
  }

  abstract postMessage(message: unknown): void;
  abstract terminate(): Promise<void>;

  onMessage(fn: (message: unknown) => void): void {
    this.messageFns.push(fn);
    if (this.early.length > 0) {
      const early = this.early;
      this.early = [];
      for (const m of early) this.deliver(m);
    }
  }

  onExit(fn: (code: number) => void): void {
    if (this.exitCode !== null) {
      const code = this.exitCode;
      queueMicrotask(() => fn(code));
    } else {
      this.exitFns.push(fn);
    }
  }

  /** A message from the worker: held until the first `onMessage` listener exists. */
  protected deliver(message: unknown): void {
    if (this.messageFns.length === 0) {
      this.early.push(message);
      return;
    }
    for (const fn of this.messageFns) fn(message);
  }

  /** The worker is gone with `code`; only the first report counts. */
  protected finish(code: number): void {
    if (this.exitCode !== null) return;
    this.exitCode = code;
    for (const fn of this.exitFns) fn(code);
    this.exitFns = [];
    this.markExited();
  }
}

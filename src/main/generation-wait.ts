/** Main's wait for every live worker to confirm a config generation (the answer of a reload). */
import type { Clock, Timer } from '../common/clock.ts';

/** How a generation went on the workers: errors make the reload's answer a 500; notes ride along with a success. */
export interface GenerationOutcome {
  readonly errors: string[];
  readonly notes: string[];
}

/**
 * One wait at a time: a newer reload supersedes the older one, which answers at once with what
 * it had (the newer generation includes its changes). A worker that exits before confirming no
 * longer holds the answer back: its replacement is started with the current generation.
 */
export class GenerationWait {
  private readonly clock: Clock;
  private readonly timeoutMs: number;
  private current: {
    readonly generation: number;
    readonly waiting: Set<number>;
    readonly outcome: GenerationOutcome;
    readonly resolve: (o: GenerationOutcome) => void;
    timer: Timer | null;
  } | null = null;

  constructor(clock: Clock, timeoutMs: number) {
    this.clock = clock;
    this.timeoutMs = timeoutMs;
  }

  /** Wait for `workerIds` to apply `generation`; each one silent after the timeout is an error. */
  start(generation: number, workerIds: readonly number[]): Promise<GenerationOutcome> {
    this.finish();
    return new Promise((resolve) => {
      const wait = { generation, waiting: new Set(workerIds), outcome: { errors: [] as string[], notes: [] as string[] }, resolve, timer: null as Timer | null };
      this.current = wait;
      if (wait.waiting.size === 0) return this.finish();
      wait.timer = this.clock.setTimer(this.timeoutMs, () => {
        for (const id of wait.waiting) wait.outcome.errors.push(`worker ${id}: did not confirm generation ${generation} within ${this.timeoutMs} ms`);
        this.finish();
      });
    });
  }

  /** A worker's `generation-applied`, with what it could not apply. */
  applied(workerId: number, generation: number, errors: readonly string[]): void {
    const wait = this.current;
    if (wait === null || wait.generation !== generation || !wait.waiting.delete(workerId)) return;
    for (const e of errors) wait.outcome.errors.push(`worker ${workerId}: ${e}`);
    if (wait.waiting.size === 0) this.finish();
  }

  /** A worker's thread ended: it will not confirm, and its replacement starts with the current generation. */
  exited(workerId: number): void {
    const wait = this.current;
    if (wait === null || !wait.waiting.delete(workerId)) return;
    wait.outcome.notes.push(`worker ${workerId} exited before confirming generation ${wait.generation}; its replacement starts with it`);
    if (wait.waiting.size === 0) this.finish();
  }

  private finish(): void {
    const wait = this.current;
    if (wait === null) return;
    this.current = null;
    wait.timer?.cancel();
    wait.resolve(wait.outcome);
  }
}

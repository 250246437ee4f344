/** Counter and gauge handles: one Float64 slot each, written by a single thread without Atomics. */

/**
 * A monotonically increasing count. Only the owning thread writes; readers on other threads
 * may see a value a few increments old, which is fine for stats.
 */
export class Counter {
  readonly name: string;
  private readonly view: Float64Array;
  private readonly slot: number;

  constructor(name: string, view: Float64Array, slot: number) {
    this.name = name;
    this.view = view;
    this.slot = slot;
  }

  inc(): void {
    this.view[this.slot]! += 1;
  }

  add(n: number): void {
    this.view[this.slot]! += n;
  }

  get value(): number {
    return this.view[this.slot]!;
  }
}

/** A level (connections open, requests pending). Per thread; the reader sums threads. */
export class Gauge {
  readonly name: string;
  private readonly view: Float64Array;
  private readonly slot: number;

  constructor(name: string, view: Float64Array, slot: number) {
    this.name = name;
    this.view = view;
    this.slot = slot;
  }

  inc(): void {
    this.view[this.slot]! += 1;
  }

  dec(): void {
    this.view[this.slot]! -= 1;
  }

  add(n: number): void {
    this.view[this.slot]! += n;
  }

  sub(n: number): void {
    this.view[this.slot]! -= n;
  }

  set(n: number): void {
    this.view[this.slot] = n;
  }

  get value(): number {
    return this.view[this.slot]!;
  }
}

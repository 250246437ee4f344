/** The worker's heap governor: when it asks the runtime for a young or a full collection, and how it paces itself. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HeapControl } from '../../../runtime-adapters/types.ts';
import { HeapGovernor, type HeapGovernorOptions } from '../../../src/worker/heap-governor.ts';
import { StatsStore } from '../../../src/stats/stats-store.ts';
import { ManualClock } from '../../support/manual-clock.ts';

const MiB = 1024 * 1024;

/**
 * A heap whose size the test sets: `bytes` in all, of which `young` die in a young collection;
 * a full collection leaves `survivors`. `rss` is the process footprint, which collections leave
 * as it is (freed space is kept for reuse), as JavaScriptCore's is.
 */
class FakeHeap implements HeapControl {
  bytes = 0;
  young = 0;
  survivors = 0;
  rss = 50 * MiB;
  youngCollections = 0;
  collections = 0;
  looks = 0;

  size(): number {
    this.looks++;
    return this.bytes;
  }

  footprint(): number {
    return this.rss;
  }

  collectYoung(): void {
    this.youngCollections++;
    this.bytes -= this.young;
    this.young = 0;
  }

  collect(): void {
    this.collections++;
    this.bytes = this.survivors;
    this.young = 0;
  }
}

/** A governor over a fake heap: a 16 MiB floor, 64 KiB young step and 100 ms looks unless `options` say otherwise. */
function setup(options: Partial<HeapGovernorOptions> = {}, busy?: () => boolean) {
  const heap = new FakeHeap();
  const clock = new ManualClock();
  const store = new StatsStore();
  const stats = {
    collections: store.counter('server.worker_0.memory_heap_collections'),
    youngCollections: store.counter('server.worker_0.memory_heap_young_collections'),
    heapSize: store.gauge('server.worker_0.memory_heap_size'),
  };
  const all: HeapGovernorOptions = { intervalMs: 100, idleIntervalMs: 100, floorBytes: 16 * MiB, youngStepBytes: 64 * 1024, ...options };
  const governor = new HeapGovernor(heap, clock, stats, all, busy);
  return { heap, clock, stats, governor };
}

describe('heap governor', () => {
  it('asks for no collection while the heap is under the floor', () => {
    const { heap, governor, stats } = setup();
    heap.bytes = 16 * MiB - 1;
    governor.check();
    assert.equal(heap.collections, 0);
    assert.equal(stats.collections.value, 0);
    assert.equal(stats.heapSize.value, 16 * MiB - 1);
  });

  it('collects once the heap reaches the floor and reports what survived', () => {
    const { heap, governor, stats } = setup();
    heap.bytes = 16 * MiB;
    heap.survivors = 5 * MiB;
    governor.check();
    assert.equal(heap.collections, 1);
    assert.equal(stats.collections.value, 1);
    assert.equal(stats.heapSize.value, 5 * MiB);
  });

  it('makes do with a young collection when short-lived buffers pushed the heap to the limit', () => {
    const { heap, governor, stats } = setup();
    heap.bytes = 20 * MiB;
    heap.young = 12 * MiB;
    heap.survivors = 6 * MiB;
    governor.check();
    assert.equal(heap.youngCollections, 1);
    assert.equal(heap.collections, 0, 'no full collection: the young one brought the heap under the limit');
    assert.equal(stats.youngCollections.value, 1);
    assert.equal(stats.collections.value, 0);
    assert.equal(stats.heapSize.value, 8 * MiB);
    assert.equal(governor.nextCollectionAt, 16 * MiB, 'the limit stays: nothing was learnt about what survives');
  });

  it('collects fully when the young collection leaves the heap at the limit', () => {
    const { heap, governor, stats } = setup();
    heap.bytes = 20 * MiB;
    heap.young = 2 * MiB;
    heap.survivors = 12 * MiB;
    governor.check();
    assert.equal(heap.youngCollections, 1, 'the cheap collection is tried first');
    assert.equal(heap.collections, 1);
    assert.equal(stats.youngCollections.value, 1);
    assert.equal(stats.collections.value, 1);
    assert.equal(governor.nextCollectionAt, 18 * MiB, 'half again over the survivors');
  });

  it('waits for the heap to grow half again over what survived before collecting fully again', () => {
    const { heap, governor } = setup();
    heap.bytes = 30 * MiB;
    heap.survivors = 12 * MiB;
    governor.check();
    assert.equal(governor.nextCollectionAt, 18 * MiB);
    heap.bytes = 18 * MiB - 1;
    governor.check();
    assert.equal(heap.collections, 1, 'under 1.5 times the survivors: no full collection');
    heap.bytes = 18 * MiB;
    heap.survivors = 3 * MiB;
    governor.check();
    assert.equal(heap.collections, 2);
    assert.equal(governor.nextCollectionAt, 16 * MiB, 'never below the floor');
  });

  it('collects the young generation when the footprint grew by a step since the last young collection', () => {
    const { heap, governor, stats } = setup({ youngStepBytes: 1 * MiB });
    heap.bytes = 4 * MiB;
    governor.check();
    assert.equal(heap.youngCollections, 0, 'the first look only takes the footprint');
    heap.rss += 1 * MiB - 1;
    governor.check();
    assert.equal(heap.youngCollections, 0, 'under a step of growth');
    heap.rss += 1;
    governor.check();
    assert.equal(heap.youngCollections, 1);
    assert.equal(stats.youngCollections.value, 1);
    assert.equal(heap.collections, 0, 'the heap is far under its limit');
    governor.check();
    assert.equal(heap.youngCollections, 1, 'the footprint after the collection is the new base');
    heap.rss += 1 * MiB;
    governor.check();
    assert.equal(heap.youngCollections, 2);
  });

  it('asks for nothing while the footprint holds still or falls, and measures growth from its lowest point', () => {
    const { heap, governor } = setup({ youngStepBytes: 1 * MiB });
    heap.bytes = 4 * MiB;
    for (let i = 0; i < 10; i++) governor.check();
    assert.equal(heap.youngCollections, 0, 'freed space is being reused');
    heap.rss -= 8 * MiB;
    governor.check();
    heap.rss += 1 * MiB;
    governor.check();
    assert.equal(heap.youngCollections, 1, 'one step over the lowest footprint, not over the first one');
  });

  it('looks less often while the worker is idle, and at full pace again once it does work', () => {
    let busy = true;
    const { heap, clock, governor } = setup({ intervalMs: 20, idleIntervalMs: 160, youngStepBytes: 64 * MiB }, () => {
      const was = busy;
      busy = false;
      return was;
    });
    governor.start();
    const looksAfter = (ms: number): number => {
      clock.advance(ms);
      return heap.looks;
    };
    assert.equal(looksAfter(20), 1);
    assert.equal(looksAfter(20), 2, 'busy at the first look: full pace');
    assert.equal(looksAfter(39), 2);
    assert.equal(looksAfter(1), 3, 'idle: twice the wait');
    assert.equal(looksAfter(80), 4);
    assert.equal(looksAfter(160), 5, 'capped at the idle interval');
    assert.equal(looksAfter(160), 6);
    busy = true;
    assert.equal(looksAfter(160), 7, 'this look sees the work');
    assert.equal(looksAfter(20), 8, 'full pace again');
    governor.stop();
  });

  it('looks at the heap on every interval until stopped', () => {
    const { heap, clock, governor } = setup();
    heap.survivors = 1 * MiB;
    governor.start();
    governor.start();
    assert.equal(clock.pending(), 1, 'one timer however often it is started');
    heap.bytes = 20 * MiB;
    clock.advance(99);
    assert.equal(heap.collections, 0);
    clock.advance(1);
    assert.equal(heap.collections, 1);
    heap.bytes = 17 * MiB;
    clock.advance(100);
    assert.equal(heap.collections, 2, 'the timer re-arms after each look');
    governor.stop();
    assert.equal(clock.pending(), 0);
    heap.bytes = 40 * MiB;
    clock.advance(1000);
    assert.equal(heap.collections, 2, 'no look after stop');
  });
});

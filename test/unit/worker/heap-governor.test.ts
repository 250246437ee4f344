/** The worker's heap governor: when it asks the runtime for a full collection, and how it paces itself. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HeapControl } from '../../../runtime-adapters/types.ts';
import { HeapGovernor } from '../../../src/worker/heap-governor.ts';
import { StatsStore } from '../../../src/stats/stats-store.ts';
import { ManualClock } from '../../support/manual-clock.ts';

const MiB = 1024 * 1024;

/**
 * A heap whose size the test sets: `bytes` in all, of which `young` die in a young collection;
 * a full collection leaves `survivors`.
 */
class FakeHeap implements HeapControl {
  bytes = 0;
  young = 0;
  survivors = 0;
  youngCollections = 0;
  collections = 0;

  size(): number {
    return this.bytes;
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

function setup(floorMiB = 16) {
  const heap = new FakeHeap();
  const clock = new ManualClock();
  const store = new StatsStore();
  const stats = {
    collections: store.counter('server.worker_0.memory_heap_collections'),
    youngCollections: store.counter('server.worker_0.memory_heap_young_collections'),
    heapSize: store.gauge('server.worker_0.memory_heap_size'),
  };
  const governor = new HeapGovernor(heap, clock, stats, { intervalMs: 100, floorBytes: floorMiB * MiB });
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
    heap.survivors = 10 * MiB;
    governor.check();
    assert.equal(heap.youngCollections, 1, 'the cheap collection is tried first');
    assert.equal(heap.collections, 1);
    assert.equal(stats.youngCollections.value, 0, 'counted as a full collection only');
    assert.equal(stats.collections.value, 1);
    assert.equal(governor.nextCollectionAt, 20 * MiB);
  });

  it('waits for the heap to double from what survived before collecting again', () => {
    const { heap, governor } = setup();
    heap.bytes = 30 * MiB;
    heap.survivors = 12 * MiB;
    governor.check();
    assert.equal(governor.nextCollectionAt, 24 * MiB);
    heap.bytes = 24 * MiB - 1;
    governor.check();
    assert.equal(heap.collections, 1, 'under twice the survivors: no collection');
    heap.bytes = 24 * MiB;
    heap.survivors = 3 * MiB;
    governor.check();
    assert.equal(heap.collections, 2);
    assert.equal(governor.nextCollectionAt, 16 * MiB, 'never below the floor');
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

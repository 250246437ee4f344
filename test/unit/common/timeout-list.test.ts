import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TimeoutList, type TimeoutNode } from '../../../src/common/timeout-list.ts';
import { ManualClock } from '../../support/manual-clock.ts';

function node(fired: string[], name: string): TimeoutNode {
  return { tlPrev: null, tlNext: null, tlList: null, tlDeadline: 0, onTimeout: () => fired.push(name) };
}

describe('timeout list', () => {
  it('fires each node once its duration has passed, in the order they were added', () => {
    const clock = new ManualClock();
    const list = new TimeoutList(clock, 100);
    const fired: string[] = [];
    list.add(node(fired, 'a'));
    clock.advance(30);
    list.add(node(fired, 'b'));
    clock.advance(69);
    assert.deepEqual(fired, []);
    clock.advance(1);
    assert.deepEqual(fired, ['a']);
    clock.advance(30);
    assert.deepEqual(fired, ['a', 'b']);
    assert.equal(clock.pending(), 0);
  });

  it('stop() cancels the list\'s timer; a later add arms it again', () => {
    const clock = new ManualClock();
    const list = new TimeoutList(clock, 10);
    const fired: string[] = [];
    const a = node(fired, 'a');
    list.add(a);
    list.remove(a);
    assert.equal(clock.pending(), 1);
    list.stop();
    assert.equal(clock.pending(), 0);
    list.add(node(fired, 'b'));
    clock.advance(10);
    assert.deepEqual(fired, ['b']);
  });

  it('a removed node never fires, and the list keeps one timer however many nodes it holds', () => {
    const clock = new ManualClock();
    const list = new TimeoutList(clock, 50);
    const fired: string[] = [];
    const nodes = ['a', 'b', 'c'].map((n) => node(fired, n));
    for (const n of nodes) list.add(n);
    assert.equal(clock.pending(), 1);
    list.remove(nodes[0]!);
    list.remove(nodes[1]!);
    assert.equal(list.size, 1);
    clock.advance(50);
    assert.deepEqual(fired, ['c']);
  });

  it('re-adding a node moves its deadline', () => {
    const clock = new ManualClock();
    const list = new TimeoutList(clock, 100);
    const fired: string[] = [];
    const a = node(fired, 'a');
    list.add(a);
    clock.advance(80);
    list.add(a);
    clock.advance(80);
    assert.deepEqual(fired, []);
    clock.advance(20);
    assert.deepEqual(fired, ['a']);
  });
});

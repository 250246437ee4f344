/** WriteBatch on its own: what is kept by reference, what is copied, and the order pieces leave in. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BATCH_MAX, WriteBatch, type BatchSink } from '../../../src/http/write-batch.ts';

/** Records every write; lent bytes are copied at once, as the contract requires. */
class Sink implements BatchSink {
  readonly kept: Uint8Array[] = [];
  readonly lent: Uint8Array[] = [];
  readonly order: string[] = [];
  write(bytes: Uint8Array): boolean {
    this.kept.push(bytes);
    this.order.push(text(bytes));
    return true;
  }
  writeBorrowed(bytes: Uint8Array): boolean {
    this.lent.push(bytes.slice());
    this.order.push(text(bytes));
    return true;
  }
}

const enc = new TextEncoder();
const text = (b: Uint8Array): string => new TextDecoder().decode(b);

/** A sink that gathers writes itself (Node): a big piece after gathered bytes goes with them, uncopied. */
class PairSink extends Sink {
  readonly pairs: { lent: string; kept: Uint8Array }[] = [];
  writePair(lent: Uint8Array, kept: Uint8Array): boolean {
    this.pairs.push({ lent: text(lent), kept });
    this.order.push(text(lent) + text(kept));
    return true;
  }
}

/** A head written into the batch, then `read[start..end)` added after it, flushed to `sink`. */
function headThenPiece(sink: Sink, head: string, read: Uint8Array, start: number, end: number): void {
  const batch = new WriteBatch();
  batch.acquire(sink);
  batch.headBuffer().str(head);
  batch.add(sink, read, start, end);
  batch.flush(sink);
  batch.release(sink);
}

describe('write batch rules', () => {
  it('a big piece after gathered bytes goes with them in one paired write, by reference, on a sink that gathers writes', () => {
    const sink = new PairSink();
    const read = new Uint8Array(10_000).fill(0x61);
    headThenPiece(sink, 'HTTP/1.1 200 OK\r\n\r\n', read, 100, 9_100);
    assert.equal(sink.pairs.length, 1);
    assert.equal(sink.pairs[0]!.lent, 'HTTP/1.1 200 OK\r\n\r\n');
    assert.equal(sink.pairs[0]!.kept.buffer, read.buffer, 'the piece is a view of the read, not a copy');
    assert.equal(sink.pairs[0]!.kept.byteOffset, 100);
    assert.equal(sink.pairs[0]!.kept.length, 9_000);
    assert.equal(sink.lent.length + sink.kept.length, 0, 'nothing else was written');
  });

  it('a big piece joins the gathered bytes by copy on a sink that cannot gather writes', () => {
    const sink = new Sink();
    headThenPiece(sink, 'head|', new Uint8Array(10_000).fill(0x62), 0, 10_000);
    assert.equal(sink.lent.length, 1, 'one write');
    assert.equal(sink.lent[0]!.length, 5 + 10_000);
    assert.equal(sink.kept.length, 0);
  });

  it('a stable piece that leaves alone is written as it is, not copied', () => {
    const batch = new WriteBatch();
    const sink = new Sink();
    const head = enc.encode('GET / HTTP/1.1\r\n\r\n');
    assert.ok(batch.acquire(sink));
    batch.addStable(sink, head);
    batch.flush(sink);
    batch.release(sink);
    assert.equal(sink.kept.length, 1);
    assert.equal(sink.kept[0], head, 'the same buffer, by reference');
    assert.equal(sink.lent.length, 0);
  });

  it('a stable piece followed by more leaves with it in one lent write, in order', () => {
    const batch = new WriteBatch();
    const sink = new Sink();
    batch.acquire(sink);
    batch.addStable(sink, enc.encode('head|'));
    batch.addStable(sink, enc.encode('body|'));
    const read = enc.encode('xxtailxx');
    batch.add(sink, read, 2, 6);
    batch.flush(sink);
    assert.deepEqual(sink.order, ['head|body|tail']);
    assert.equal(sink.kept.length, 0);
  });

  it('a head written into the buffer after a held piece comes after it', () => {
    const batch = new WriteBatch();
    const sink = new Sink();
    batch.acquire(sink);
    batch.addStable(sink, enc.encode('first|'));
    batch.headBuffer().str('second');
    batch.flush(sink);
    assert.deepEqual(sink.order, ['first|second']);
  });

  it('a piece too big to join goes out after what was gathered, as it is', () => {
    const batch = new WriteBatch();
    const sink = new Sink();
    batch.acquire(sink);
    batch.addStable(sink, enc.encode('head|'));
    const big = new Uint8Array(BATCH_MAX + 1).fill(0x61);
    batch.add(sink, big, 0, big.length);
    batch.flush(sink);
    assert.equal(sink.order.length, 2);
    assert.equal(sink.order[0], 'head|');
    assert.equal(sink.kept[sink.kept.length - 1], big);
  });

  it('release drops what was gathered and frees the batch for another owner', () => {
    const batch = new WriteBatch();
    const a = new Sink();
    const b = new Sink();
    assert.ok(batch.acquire(a));
    assert.equal(batch.acquire(b), false, 'one owner at a time');
    batch.addStable(a, enc.encode('dropped'));
    batch.release(a);
    assert.ok(batch.acquire(b));
    batch.flush(b);
    assert.deepEqual(b.order, []);
    assert.deepEqual(a.order, []);
  });
});

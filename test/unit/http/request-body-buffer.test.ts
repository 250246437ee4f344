import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RequestBodyBuffer } from '../../../src/http/request-body-buffer.ts';

const bytes = (n: number) => new Uint8Array(n);

describe('request body buffer', () => {
  it('keeps a small body for replay on every new try', () => {
    const b = new RequestBodyBuffer(true, 100);
    b.add(bytes(10), false);
    assert.equal(b.takeForTry().length, 1);
    b.add(bytes(10), true);
    assert.equal(b.replayable, true);
    assert.equal(b.takeForTry().length, 2);
    assert.equal(b.takeForTry().length, 2);
  });

  it('stops being replayable past its limit and drops what was already sent', () => {
    const b = new RequestBodyBuffer(true, 15);
    b.add(bytes(10), true);
    b.add(bytes(10), true);
    assert.equal(b.replayable, false);
    assert.equal(b.takeForTry().length, 0);
  });

  it('hands queued chunks to the first try only, when not replayable', () => {
    const b = new RequestBodyBuffer(false, 0);
    assert.equal(b.add(bytes(5), false), true);
    assert.equal(b.takeForTry().length, 1);
    assert.equal(b.takeForTry().length, 0);
  });

  it('asks to pause the client when more than 64 KiB waits for a connection', () => {
    const b = new RequestBodyBuffer(false, 0);
    assert.equal(b.add(bytes(60 * 1024), false), true);
    assert.equal(b.add(bytes(8 * 1024), false), false);
  });

  it('holds a small view of a big read as a copy of its bytes, and a view that is most of its read as is', () => {
    const b = new RequestBodyBuffer(true, 1 << 20);
    const read = new Uint8Array(4096);
    read[4000] = 7;
    const small = read.subarray(4000, 4001);
    const large = new Uint8Array(4096).subarray(10);
    b.add(small, false);
    b.add(large, false);
    const [kept, whole] = b.takeForTry();
    assert.equal(kept!.buffer.byteLength, 1, 'the 4 KiB read is not pinned by 1 byte of body');
    assert.equal(kept![0], 7);
    assert.equal(whole, large, 'not copied');
  });

  it('bounds what waits for a connection by its byte count, however many chunks it came in', () => {
    const b = new RequestBodyBuffer(false, 0);
    let accepted = 0;
    while (b.add(bytes(1), false)) accepted++;
    assert.equal(accepted, 64 * 1024, 'the client is paused past 64 KiB');
  });
});

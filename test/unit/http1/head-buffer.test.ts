/** HeadBuffer: bytes copied in, whatever their size and position, come out exactly as they went in. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HeadBuffer } from '../../../src/http1/head-buffer.ts';

/** A source whose every byte differs from its neighbours', so a shifted or skipped piece shows. */
function pattern(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + (i >> 8)) & 0xff;
  return b;
}

describe('head buffer', () => {
  it('copies a body piece of any size behind a head byte for byte, including pieces copied in parts', () => {
    const source = pattern(70_000);
    // Around the part size (2 KiB), a 64 KiB body behind a 219-byte upstream head, and odd sizes.
    for (const [start, length] of [[0, 65], [3, 2047], [5, 2048], [7, 2049], [219, 4097], [219, 65_536], [1, 69_999]] as const) {
      const out = new HeadBuffer();
      out.str('HTTP/1.1 200 OK\r\n\r\n');
      out.bytes(source, start, start + length);
      const got = out.take();
      const head = 'HTTP/1.1 200 OK\r\n\r\n'.length;
      assert.equal(got.length, head + length, `length for ${length} bytes from ${start}`);
      assert.deepEqual(got.subarray(head), source.subarray(start, start + length), `bytes for ${length} bytes from ${start}`);
    }
  });

  it('keeps what was written before a large piece when it grows to take it', () => {
    const out = new HeadBuffer();
    out.str('abc');
    const big = pattern(10_000);
    out.bytes(big, 0, big.length);
    out.crlf();
    const got = out.take();
    assert.equal(new TextDecoder().decode(got.subarray(0, 3)), 'abc');
    assert.deepEqual(got.subarray(3, 10_003), big);
    assert.deepEqual([...got.subarray(10_003)], [0x0d, 0x0a]);
  });
});

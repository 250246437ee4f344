import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { StatusLineReader, MAX_STATUS_LINE_BYTES } from '../../../src/health/status-line.ts';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('status line reader', () => {
  it('reads the status of a complete HTTP/1.1 status line', () => {
    assert.deepEqual(new StatusLineReader().push(enc('HTTP/1.1 204 No Content\r\nX: y\r\n')), { kind: 'status', status: 204 });
  });

  it('waits for the end of a line split across chunks', () => {
    const r = new StatusLineReader();
    assert.equal(r.push(enc('HTTP/1.')).kind, 'incomplete');
    assert.equal(r.push(enc('0 50')).kind, 'incomplete');
    assert.deepEqual(r.push(enc('3\r\n')), { kind: 'status', status: 503 });
  });

  it('accepts a status line without a reason phrase and a bare LF', () => {
    assert.deepEqual(new StatusLineReader().push(enc('HTTP/1.1 200\n')), { kind: 'status', status: 200 });
  });

  it('rejects what is not an HTTP/1 status line', () => {
    for (const line of ['SSH-2.0-OpenSSH\r\n', 'HTTP/2 200\r\n', 'HTTP/1.1 20\r\n', 'HTTP/1.1 2000\r\n', 'HTTP/1.1  200\r\n', 'HTTP/1.1 099\r\n']) {
      assert.equal(new StatusLineReader().push(enc(line)).kind, 'invalid', line);
    }
  });

  it('gives up on a line longer than the limit instead of buffering it', () => {
    const r = new StatusLineReader();
    assert.equal(r.push(enc('HTTP/1.1 200 ' + 'x'.repeat(MAX_STATUS_LINE_BYTES))).kind, 'invalid');
  });

  it('keeps its first verdict whatever comes after', () => {
    const r = new StatusLineReader();
    r.push(enc('HTTP/1.1 200 OK\r\n'));
    assert.deepEqual(r.push(enc('garbage')), { kind: 'status', status: 200 });
  });
});

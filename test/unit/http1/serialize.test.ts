/** The writers: response heads, chunk framing, trailers, field validation for configured headers. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CRLF,
  encodeChunk,
  encodeChunkHeader,
  encodeLastChunk,
  encodeRequestHead,
  encodeResponseHead,
  LAST_CHUNK,
} from '../../../src/http1/serialize.ts';
import { isValidFieldName, isValidFieldValue } from '../../../src/http1/hop-by-hop.ts';
import { bytes, latin1, runRequests } from './helpers.ts';

describe('response head writer', () => {
  it('writes the status line, our framing and Connection: close', () => {
    const out = encodeResponseHead({ status: 404, reason: 'Not Found', headers: ['Server', 'x'] }, { framing: 'content-length', contentLength: 9, connection: 'close' });
    assert.equal(latin1(out), 'HTTP/1.1 404 Not Found\r\nServer: x\r\nContent-Length: 9\r\nConnection: close\r\n\r\n');
  });
  it('writes HTTP/1.0 for 1.0 clients with keep-alive when asked', () => {
    const out = encodeResponseHead({ status: 200, reason: 'OK', headers: [] }, { framing: 'none', versionMinor: 0, connection: 'keep-alive' });
    assert.equal(latin1(out), 'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n');
  });
  it('a 101 keeps Upgrade and writes Connection: upgrade', () => {
    const out = encodeResponseHead({ status: 101, reason: 'Switching Protocols', headers: ['Upgrade', 'websocket', 'Connection', 'Upgrade', 'Sec-WebSocket-Accept', 'abc='] }, { framing: 'none', connection: 'upgrade' });
    assert.equal(latin1(out), 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: abc=\r\nConnection: upgrade\r\n\r\n');
  });
  it('keeps a response Host field (only requests replace it)', () => {
    const out = encodeResponseHead({ status: 200, reason: 'OK', headers: ['Host', 'h'] }, { framing: 'none' });
    assert.equal(latin1(out), 'HTTP/1.1 200 OK\r\nHost: h\r\n\r\n');
  });
  it('refuses content-length framing without a valid length (a programming error, not 0)', () => {
    assert.throws(() => encodeResponseHead({ status: 200, reason: 'OK', headers: [] }, { framing: 'content-length' }), /HTTP1_WRITER_BAD_LENGTH|content-length/);
    assert.throws(() => encodeResponseHead({ status: 200, reason: 'OK', headers: [] }, { framing: 'content-length', contentLength: -1 }));
  });
  it('writes the whole head into one Uint8Array', () => {
    const out = encodeRequestHead({ method: 'GET', path: '/', host: 'h', headers: [] }, { framing: 'none' });
    assert.ok(out instanceof Uint8Array);
    assert.equal(latin1(out), 'GET / HTTP/1.1\r\nHost: h\r\n\r\n');
  });
});

describe('chunk writer', () => {
  it('chunk headers are lowercase hex sizes followed by CRLF', () => {
    assert.equal(latin1(encodeChunkHeader(1)), '1\r\n');
    assert.equal(latin1(encodeChunkHeader(255)), 'ff\r\n');
    assert.equal(latin1(encodeChunkHeader(4096)), '1000\r\n');
    assert.equal(latin1(encodeChunkHeader(0x123456789)), '123456789\r\n');
    assert.equal(latin1(CRLF), '\r\n');
    assert.equal(latin1(LAST_CHUNK), '0\r\n\r\n');
  });
  it('encodeChunk copies header, data and CRLF into one buffer', () => {
    assert.equal(latin1(encodeChunk(bytes('hello'))), '5\r\nhello\r\n');
  });
  it('trailers are written after the last-chunk without framing or hop-by-hop fields (R4)', () => {
    const out = encodeLastChunk(['X-Sum', 'abc', 'Content-Length', '5', 'Transfer-Encoding', 'chunked', 'Host', 'h', 'Trailer', 'X', 'Connection', 'close']);
    assert.equal(latin1(out), '0\r\nX-Sum: abc\r\n\r\n');
    assert.equal(encodeLastChunk(null), LAST_CHUNK);
  });
  it('what the chunk writer produces, the parser reads back (body and trailers)', () => {
    const pieces = [encodeRequestHead({ method: 'POST', path: '/u', host: 'h', headers: [] }, { framing: 'chunked' }), encodeChunk(bytes('ab')), encodeChunkHeader(3), bytes('cde'), CRLF, encodeLastChunk(['X-T', '1'])];
    const all = new Uint8Array(pieces.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of pieces) {
      all.set(p, at);
      at += p.length;
    }
    const o = runRequests(all, 'bytewise');
    assert.equal(o.error, null);
    assert.equal(o.messages[0]!.body, 'abcde');
    assert.deepEqual(o.messages[0]!.trailers, ['X-T', '1']);
  });
});

describe('field validation for configured headers', () => {
  it('names must be tokens', () => {
    assert.equal(isValidFieldName('x-forwarded-for'), true);
    for (const n of ['', 'a b', 'a:b', 'caf\xe9', 'a\r\nb']) assert.equal(isValidFieldName(n), false, n);
  });
  it('values must be free of CR, LF, NUL, CTLs and edge whitespace; obs-text is fine', () => {
    assert.equal(isValidFieldValue('1.1 proxy'), true);
    assert.equal(isValidFieldValue('caf\xe9'), true);
    assert.equal(isValidFieldValue(''), true);
    for (const v of ['a\r\nb', 'a\nb', 'a\x00', '\x7f', ' a', 'a\t', '\u0100']) assert.equal(isValidFieldValue(v), false, JSON.stringify(v));
  });
});

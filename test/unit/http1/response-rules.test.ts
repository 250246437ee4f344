/** S1-S14: what the response (upstream) parser accepts, frames and rejects (always 502). */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { ResponseHead } from '../../../src/http1/head.ts';
import { ResponseParser } from '../../../src/http1/response-parser.ts';
import { encodeResponseHead } from '../../../src/http1/serialize.ts';
import { bytes, latin1, responseError, runRequests, runResponses } from './helpers.ts';

function one(raw: string, opts: Parameters<typeof runResponses>[2] = {}): { head: ResponseHead; body: string; complete: boolean } {
  const o = runResponses(bytes(raw), 'bytewise', opts);
  if (o.error) throw new Error(o.error.detail);
  const m = o.messages.find((x) => !x.informational)!;
  return { head: m.head as ResponseHead, body: m.body, complete: m.complete };
}

describe('S1: status line', () => {
  it('S1: a missing reason, an empty reason and obs-text in the reason are fine', () => {
    assert.deepEqual([one('HTTP/1.1 204\r\n\r\n').head.status, one('HTTP/1.1 204\r\n\r\n').head.reason], [204, '']);
    assert.equal(one('HTTP/1.1 204 \r\n\r\n').head.reason, '');
    assert.equal(one('HTTP/1.0 204 Sch\xf6n  ok\r\n\r\n').head.reason, 'Sch\xf6n  ok');
  });
  for (const line of ['HTTP/1.1  200 OK', 'HTTP/1.1 20 OK', 'HTTP/1.1 2000 OK', 'HTTP/1.1 099 X', 'HTTP/1.1 600 X', 'HTTP/2 200 OK', 'HTTP/2.0 200 OK', 'HTTP/0.9 200 OK', 'http/1.1 200 OK', 'HTTP/1.1\t200 OK', 'HTTP/1.1 200 O\x00K', 'ICY 200 OK', 'HTTP/1.1 2x0 OK']) {
    it(`S1: ${JSON.stringify(line)} is a 502`, () => {
      const e = responseError(`${line}\r\n\r\n`);
      assert.ok(e !== null, 'accepted');
      assert.equal(e.status, 502);
      assert.equal(e.side, 'response');
    });
  }
});

describe('S2-S4: response framing headers', () => {
  it('S2: Transfer-Encoding with Content-Length is a 502', () => {
    assert.equal(responseError('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n0\r\n\r\n')?.detail, 'http1.content_length_and_chunked_not_allowed');
  });
  for (const v of ['1, 1', '+1', '', '0x1']) {
    it(`S3: Content-Length ${JSON.stringify(v)} is a 502`, () => {
      assert.equal(responseError(`HTTP/1.1 200 OK\r\nContent-Length: ${v}\r\n\r\nx`)?.status, 502);
    });
  }
  it('S3: duplicate Content-Length lines are a 502', () => {
    assert.equal(responseError('HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx')?.detail, 'http1.multiple_content_length');
  });
  for (const v of ['gzip, chunked', 'chunked, gzip', 'identity', 'chunked, chunked', ',chunked']) {
    it(`S4: Transfer-Encoding ${JSON.stringify(v)} is a 502 (not read-until-close)`, () => {
      assert.equal(responseError(`HTTP/1.1 200 OK\r\nTransfer-Encoding: ${v}\r\n\r\n0\r\n\r\n`)?.detail, 'http1.invalid_transfer_encoding');
    });
  }
  it('S4: an HTTP/1.0 response with Transfer-Encoding is a 502, keep-alive or not, body or not (RFC 9112 §6.1)', () => {
    for (const raw of [
      'HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
      'HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
      'HTTP/1.0 204 No Content\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n',
    ]) {
      assert.equal(responseError(raw)?.detail, 'http1.invalid_transfer_encoding', raw);
    }
    assert.equal(responseError('HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n', { method: 'HEAD' })?.detail, 'http1.invalid_transfer_encoding');
  });
  it('S4: Transfer-Encoding: Chunked (any case, OWS) is chunked framing', () => {
    const r = one('HTTP/1.1 200 OK\r\nTransfer-Encoding:  Chunked \r\n\r\n2\r\nhi\r\n0\r\n\r\n');
    assert.deepEqual([r.head.framing, r.body, r.complete], ['chunked', 'hi', true]);
  });
});

describe('S5: responses without a body', () => {
  it('S5: a response to HEAD reads no body and keeps its Content-Length', () => {
    const o = runResponses(bytes('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n'), 'bytewise', { method: 'HEAD' });
    assert.deepEqual([o.messages[0]!.head.framing, o.messages[0]!.head.contentLength, o.messages[0]!.complete], ['none', 10, true]);
  });
  it('S5: 204 and 304 read no body whatever CL/TE say; the next bytes are the next response', () => {
    for (const status of ['204 No Content', '304 Not Modified']) {
      const o = runResponses(bytes(`HTTP/1.1 ${status}\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n`), 'bytewise', { expect: 2 });
      assert.equal(o.error, null);
      assert.deepEqual(o.messages.map((m) => [(m.head as ResponseHead).status, m.body, m.complete]), [[Number(status.slice(0, 3)), '', true], [200, '', true]]);
    }
  });
  it('S5: 1xx responses carry no body even with Content-Length', () => {
    const o = runResponses(bytes('HTTP/1.1 103 Early Hints\r\nContent-Length: 3\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi'));
    assert.deepEqual(o.messages.map((m) => [(m.head as ResponseHead).status, m.informational, m.body]), [[103, true, ''], [200, false, 'hi']]);
  });
});

describe('S6: 1xx responses', () => {
  it('S6: 100 and 103 are reported through onInformational before the final response', () => {
    const o = runResponses(bytes('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n'), 'bytewise');
    assert.deepEqual(o.messages.map((m) => [(m.head as ResponseHead).status, m.informational]), [[100, true], [103, true], [201, false]]);
    assert.deepEqual(o.messages[1]!.head.headers, ['Link', '</a.css>; rel=preload']);
  });
  it('S6: a 101 nobody asked for is a 502', () => {
    assert.equal(responseError('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n')?.detail, 'http1.unexpected_101');
  });
  it('S6: a 101 answering our upgrade switches: the bytes after it go to the tunnel', () => {
    const o = runResponses(bytes('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n\x81\x00'), 'bytewise', { upgrade: true });
    assert.equal(o.messages[0]!.head.upgrade, true);
    assert.equal(o.remainder, '\x81\x00');
  });
  it('S6: a 101 switching to anything but the websocket we asked for is a 502', () => {
    for (const proto of ['h2c', 'websocket, h2c', 'totally-not-websocket', 'websocket/13']) {
      const raw = `HTTP/1.1 101 Switching Protocols\r\nConnection: upgrade\r\nUpgrade: ${proto}\r\n\r\n`;
      assert.equal(responseError(raw, { upgrade: true })?.detail, 'http1.unexpected_101', proto);
    }
    const mixedLines = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nUpgrade: h2c\r\n\r\n';
    assert.equal(responseError(mixedLines, { upgrade: true })?.detail, 'http1.unexpected_101');
    assert.equal(one('HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\n\r\n', { upgrade: true }).head.upgrade, true);
  });
  it('S6: a 101 without an Upgrade field is a 502', () => {
    assert.equal(responseError('HTTP/1.1 101 Switching Protocols\r\n\r\n', { upgrade: true })?.detail, 'http1.unexpected_101');
  });
  it('S6: an upgrade request answered 200 is an ordinary response', () => {
    const r = one('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nno', { upgrade: true });
    assert.deepEqual([r.head.upgrade, r.body], [false, 'no']);
  });
  it('S6: more than ten 1xx before the final response is a 502', () => {
    assert.equal(responseError('HTTP/1.1 100 Continue\r\n\r\n'.repeat(11))?.detail, 'http1.too_many_1xx');
    assert.equal(responseError('HTTP/1.1 100 Continue\r\n\r\n'.repeat(10) + 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'), null);
  });
});

describe('S7: close-delimited responses', () => {
  it('S7: no CL and no TE: the body runs until close and the connection is not reusable', () => {
    const o = runResponses(bytes('HTTP/1.1 200 OK\r\n\r\nhello world'), 'bytewise', { finish: true });
    assert.deepEqual([o.messages[0]!.head.framing, o.messages[0]!.head.keepAlive, o.messages[0]!.body, o.messages[0]!.complete], ['until-close', false, 'hello world', true]);
  });
  it('S7: until finish() the close-delimited response is not complete', () => {
    const o = runResponses(bytes('HTTP/1.1 200 OK\r\n\r\nhello'));
    assert.equal(o.messages[0]!.complete, false);
    assert.equal(o.state, 'body');
  });
});

describe('S8: bytes nobody asked for', () => {
  it('S8: bytes with no request outstanding are a 502 (unsolicited_response)', () => {
    const o = runResponses(bytes('HTTP/1.1 200 OK\r\n\r\n'), 'whole', { expect: 0 });
    assert.equal(o.error?.detail, 'http1.unsolicited_response');
  });
  it('S8: bytes after a complete response, even in a later read, are an error and never a response', () => {
    const events: string[] = [];
    const p = new ResponseParser({
      onInformational: () => events.push('info'),
      onHead: (h) => events.push(`head ${h.status}`),
      onBody: () => events.push('body'),
      onTrailers: () => {},
      onComplete: () => events.push('complete'),
      onError: (e) => events.push(e.detail),
    });
    p.expectResponseTo('GET', false);
    p.feed(bytes('HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n'));
    p.feed(bytes('\r\n'));
    assert.deepEqual(events, ['head 200', 'complete', 'http1.data_after_response']);
  });
  it('S8: after a response with Connection: close, nothing more is parsed', () => {
    const o = runResponses(bytes('HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\nHTTP/1.1 200 OK\r\n\r\n'), 'whole', { expect: 2 });
    assert.equal(o.messages.length, 1);
    assert.equal(o.error?.detail, 'http1.data_after_response');
  });
});

describe('S9: response field names and values', () => {
  for (const [what, line, detail] of [
    ['NUL in a value', 'X: a\x00b', 'http1.invalid_characters'],
    ['CTL in a value', 'X: a\x1fb', 'http1.invalid_characters'],
    ['space before the colon', 'Server : x', 'http1.whitespace_before_colon'],
    ['a non-token name', 'Se(rver: x', 'http1.invalid_header_name'],
    ['an empty name', ': x', 'http1.invalid_header_name'],
  ] as const) {
    it(`S9: ${what} is a 502`, () => {
      const e = responseError(`HTTP/1.1 200 OK\r\n${line}\r\nContent-Length: 0\r\n\r\n`);
      assert.equal(e?.detail, detail);
      assert.equal(e?.status, 502);
    });
  }
  it('S9: obs-fold in a response is replaced with SP', () => {
    const r = one('HTTP/1.1 200 OK\r\nSet-Cookie: a=1;\r\n\tPath=/\r\nX-Empty:\r\n  \r\nContent-Length: 0\r\n\r\n');
    assert.deepEqual(r.head.headers.slice(0, 4), ['Set-Cookie', 'a=1; Path=/', 'X-Empty', '']);
    assert.ok(!r.head.headers.join('').includes('\r'));
  });
  it('S9: obs-fold on a framing field (Content-Length, Transfer-Encoding, Connection) is a 502', () => {
    assert.equal(responseError('HTTP/1.1 200 OK\r\nContent-Length: 1\r\n 0\r\n\r\nx')?.detail, 'http1.obs_fold_rejected');
    assert.equal(responseError('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n  abc\r\n\r\n0\r\n\r\n')?.detail, 'http1.obs_fold_rejected');
  });
  it('S9: re-serialized headers never carry CR/LF to the client', () => {
    const r = one('HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n');
    assert.equal(latin1(encodeResponseHead(r.head, { framing: 'content-length', contentLength: 0 })), 'HTTP/1.1 200 OK\r\nX: a b\r\nContent-Length: 0\r\n\r\n');
  });
});

describe('S10-S13: line endings, chunked errors, length mismatches, limits', () => {
  it('S10: bare LF or bare CR in the status line, fields or chunk lines is a 502', () => {
    assert.equal(responseError('HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n')?.detail, 'http1.bare_lf');
    assert.equal(responseError('HTTP/1.1 200 OK\r\nX: 1\rContent-Length: 0\r\n\r\n')?.detail, 'http1.bare_cr');
    assert.equal(responseError('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\n0\r\n\r\n')?.detail, 'http1.invalid_chunk_terminator');
  });
  it('S11: a chunked error after the head comes after onHead and never completes the response', () => {
    const o = runResponses(bytes('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\nzz\r\n'), 'bytewise');
    assert.deepEqual([o.messages.length, o.messages[0]!.body, o.messages[0]!.complete, o.error?.detail], [1, 'hi', false, 'http1.invalid_chunk_size']);
  });
  it('S12: a body shorter than Content-Length is premature_eof at close; longer is data_after_response', () => {
    const short = runResponses(bytes('HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nab'), 'bytewise', { finish: true });
    assert.deepEqual([short.messages[0]!.complete, short.error?.detail], [false, 'http1.premature_eof']);
    const long = runResponses(bytes('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabcd'), 'bytewise');
    assert.deepEqual([long.messages[0]!.body, long.messages[0]!.complete, long.error?.detail], ['ab', true, 'http1.data_after_response']);
  });
  it('S13: a response head over 80 KiB, or over the field count, is a 502', () => {
    assert.equal(responseError(`HTTP/1.1 200 OK\r\nX: ${'v'.repeat(81 * 1024)}\r\n\r\n`)?.detail, 'http1.headers_too_large');
    assert.equal(responseError(`HTTP/1.1 200 OK\r\n${'X: 1\r\n'.repeat(101)}\r\n`)?.detail, 'http1.too_many_headers');
    assert.equal(responseError(`HTTP/1.1 200 OK\r\n${'X: 1\r\n'.repeat(10)}\r\n`, { maxHeaderCount: 5 })?.status, 502);
  });
});

describe('S14: persistence signals', () => {
  for (const [raw, keepAlive] of [
    ['HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', true],
    ['HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', false],
    ['HTTP/1.1 200 OK\r\nConnection: x-a, CLOSE , y\r\nContent-Length: 0\r\n\r\n', false],
    ['HTTP/1.1 200 OK\r\nConnection: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n', false],
    ['HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n', false],
    ['HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n', true],
    ['HTTP/1.0 200 OK\r\nConnection: keep-alive, close\r\nContent-Length: 0\r\n\r\n', false],
    ['HTTP/1.1 200 OK\r\nProxy-Connection: close\r\nContent-Length: 0\r\n\r\n', false],
    ['HTTP/1.0 200 OK\r\nProxy-Connection: keep-alive\r\nContent-Length: 0\r\n\r\n', false],
    ['HTTP/1.1 200 OK\r\nConnection: keep-alive\r\n\r\n', false],
  ] as const) {
    it(`S14: ${JSON.stringify(raw.split('\r\n').slice(0, -3).join(' | '))} → keepAlive ${keepAlive}`, () => {
      assert.equal(one(raw).head.keepAlive, keepAlive);
    });
  }
  it('S14: the same Connection rules decide request keepAlive', () => {
    const req = (raw: string) => runRequestsKeepAlive(raw);
    assert.equal(req('GET / HTTP/1.1\r\nHost: h\r\n\r\n'), true);
    assert.equal(req('GET / HTTP/1.1\r\nHost: h\r\nConnection: Close\r\n\r\n'), false);
    assert.equal(req('GET / HTTP/1.0\r\n\r\n'), false);
    assert.equal(req('GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'), true);
  });
});

function runRequestsKeepAlive(raw: string): boolean {
  return runRequests(bytes(raw)).messages[0]!.head.keepAlive;
}

/** R17-R21: hop-by-hop stripping, close after errors, pipelining, canonical re-serialization, reuse facts. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestHead } from '../../../src/http1/head.ts';
import { RequestParser } from '../../../src/http1/request-parser.ts';
import { encodeRequestHead, encodeResponseHead } from '../../../src/http1/serialize.ts';
import { nominatedFields } from '../../../src/http1/hop-by-hop.ts';
import type { HttpCodecError } from '../../../src/http1/errors.ts';
import { bytes, latin1, parseOneRequest, runRequests, runResponses } from './helpers.ts';

const H = 'Host: example.com\r\n';

function forward(raw: string, opts: Parameters<typeof encodeRequestHead>[1] = { framing: 'none' }): string {
  return latin1(encodeRequestHead(parseOneRequest(raw).head as RequestHead, opts));
}

describe('R17: hop-by-hop fields', () => {
  it('R17: Connection, Keep-Alive, Proxy-Connection, TE, Transfer-Encoding, Upgrade, HTTP2-Settings, Trailer are removed', () => {
    const out = forward(
      `GET / HTTP/1.1\r\n${H}Connection: keep-alive, Upgrade\r\nKeep-Alive: timeout=5\r\nProxy-Connection: keep-alive\r\n` +
        'TE: trailers\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABk\r\nTrailer: X-Sum\r\nAccept: */*\r\n\r\n',
    );
    assert.equal(out, 'GET / HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\n\r\n');
  });
  it('R17: fields nominated by Connection are removed, in any case and position', () => {
    const out = forward(`GET / HTTP/1.1\r\nX-Secret: 1\r\n${H}Connection: close, X-SECRET ,\tx-other\r\nX-Other: 2\r\nX-Kept: 3\r\n\r\n`);
    assert.equal(out, 'GET / HTTP/1.1\r\nHost: example.com\r\nX-Kept: 3\r\n\r\n');
  });
  it('R17: nominating Host, Content-Length, Transfer-Encoding or X-Forwarded-For has no effect', () => {
    const out = forward(
      `POST / HTTP/1.1\r\n${H}Connection: host, content-length, transfer-encoding, x-forwarded-for\r\nX-Forwarded-For: 1.1.1.1\r\nContent-Length: 0\r\n\r\n`,
      { framing: 'content-length', contentLength: 0 },
    );
    assert.equal(out, 'POST / HTTP/1.1\r\nHost: example.com\r\nX-Forwarded-For: 1.1.1.1\r\nContent-Length: 0\r\n\r\n');
    assert.deepEqual(nominatedFields(['Connection', 'Keep-Alive, X-A']), ['x-a']);
  });
  it('R17: Upgrade is kept only when the head is written for an upgrade', () => {
    const raw = `GET /ws HTTP/1.1\r\n${H}Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n`;
    assert.equal(forward(raw, { framing: 'none', connection: 'upgrade' }), `GET /ws HTTP/1.1\r\n${H}Upgrade: websocket\r\nConnection: upgrade\r\n\r\n`);
  });
  it('R16: an upgrade goes upstream as Upgrade: websocket alone, without h2c or HTTP2-Settings', () => {
    const raw = 'GET /x HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c, websocket\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n\r\n';
    assert.equal(forward(raw, { framing: 'none', connection: 'upgrade' }), 'GET /x HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n');
    const twoLines = `GET /x HTTP/1.1\r\n${H}Connection: Upgrade\r\nUpgrade: h2c\r\nUpgrade: websocket\r\n\r\n`;
    assert.equal(forward(twoLines, { framing: 'none', connection: 'upgrade' }), `GET /x HTTP/1.1\r\n${H}Upgrade: websocket\r\nConnection: upgrade\r\n\r\n`);
  });
  it('R17: responses lose the upstream Connection / Keep-Alive / TE / CL too', () => {
    const out = latin1(
      encodeResponseHead(
        { status: 200, reason: 'OK', headers: ['Connection', 'close, X-Hop', 'Keep-Alive', 'timeout=5', 'X-Hop', '1', 'Transfer-Encoding', 'chunked', 'Content-Length', '9', 'Server', 's'] },
        { framing: 'chunked' },
      ),
    );
    assert.equal(out, 'HTTP/1.1 200 OK\r\nServer: s\r\nTransfer-Encoding: chunked\r\n\r\n');
  });
});

describe('R18: after an error', () => {
  it('R18: the error is reported once, every later byte is ignored, and it is not thrown', () => {
    const events: string[] = [];
    const p = new RequestParser({
      onHead: () => events.push('head'),
      onBody: () => events.push('body'),
      onTrailers: () => events.push('trailers'),
      onComplete: () => events.push('complete'),
      onError: (e: HttpCodecError) => events.push(`error ${e.status} ${e.code}`),
    });
    p.feed(bytes(`POST / HTTP/1.1\r\n${H}Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n`));
    p.feed(bytes(`GET /next HTTP/1.1\r\n${H}\r\n`));
    p.finish();
    assert.deepEqual(events, ['error 400 HTTP1_CONTENT_LENGTH_AND_CHUNKED_NOT_ALLOWED']);
    assert.equal(p.state, 'error');
  });
  it('R18: every request-side error carries a status and an http1.* detail', () => {
    const o = runRequests(bytes('GET / HTTP/1.1\r\nX: \x00\r\n\r\n'));
    assert.equal(o.error?.name, 'HttpCodecError');
    assert.equal(o.error?.side, 'request');
    assert.match(o.error!.detail, /^http1\./);
  });
});

describe('R19: pipelining', () => {
  it('R19: the parser stops after each request and keeps the rest for resume()', () => {
    const input = bytes(`GET /1 HTTP/1.1\r\n${H}\r\nGET /2 HTTP/1.1\r\n${H}\r\nGET /3 HTTP/1.1\r\n${H}\r\n`);
    const seen: string[] = [];
    const p: RequestParser = new RequestParser({
      onHead: (h) => seen.push(h.path),
      onBody: () => {},
      onTrailers: () => {},
      onComplete: () => seen.push('done'),
      onError: (e) => assert.fail(e.detail),
    });
    p.feed(input);
    assert.deepEqual(seen, ['/1', 'done']);
    assert.equal(p.state, 'paused');
    assert.equal(p.bufferedBytes, input.length - (input.length / 3));
    p.resume();
    assert.deepEqual(seen, ['/1', 'done', '/2', 'done']);
    p.resume();
    p.resume();
    assert.deepEqual(seen.filter((s) => s !== 'done'), ['/1', '/2', '/3']);
    assert.equal(p.state, 'idle');
  });
  it('R19: bytes after a message are never part of it (a body is exactly Content-Length bytes)', () => {
    const o = runRequests(bytes(`POST /a HTTP/1.1\r\n${H}Content-Length: 3\r\n\r\nabcGET /b HTTP/1.1\r\n${H}\r\n`), 'bytewise');
    assert.deepEqual(o.messages.map((m) => [(m.head as RequestHead).path, m.body]), [['/a', 'abc'], ['/b', '']]);
  });
  it('R19: the pipelined remainder is kept without copying', () => {
    const first = `GET /1 HTTP/1.1\r\n${H}\r\n`;
    const input = bytes(`${first}GET /2 HTTP/1.1\r\n${H}\r\n`);
    const p = new RequestParser({ onHead: () => {}, onBody: () => {}, onTrailers: () => {}, onComplete: () => {}, onError: () => {} });
    p.feed(input);
    const rest = p.takeRemainder();
    assert.equal(rest.buffer, input.buffer);
    assert.equal(rest.byteOffset, first.length);
    assert.equal(rest.length, input.length - first.length);
  });
});

describe('R20: canonical re-serialization', () => {
  it('R20: single SPs, Name: value, OWS-trimmed values, our own framing, one buffer', () => {
    const raw = `POST /up?x=1 HTTP/1.1\r\nHost:   example.com  \r\nX-A:\t a b \t\r\nContent-Length: 00005\r\n\r\nhello`;
    const out = forward(raw, { framing: 'content-length', contentLength: 5 });
    assert.equal(out, 'POST /up?x=1 HTTP/1.1\r\nHost: example.com\r\nX-A: a b\r\nContent-Length: 5\r\n\r\n');
  });
  it('R20: a chunked client body is forwarded with our Transfer-Encoding, never with Content-Length', () => {
    const out = forward(`POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n`, { framing: 'chunked' });
    assert.equal(out, `POST / HTTP/1.1\r\n${H}Transfer-Encoding: chunked\r\n\r\n`);
  });
  it('R20: absolute-form becomes origin-form with the authority as Host (in place)', () => {
    const out = forward('GET http://up.example:81/p HTTP/1.1\r\nAccept: x\r\nHost: other.example\r\n\r\n');
    assert.equal(out, 'GET /p HTTP/1.1\r\nAccept: x\r\nHost: up.example:81\r\n\r\n');
  });
  it('R20: an HTTP/1.0 client without Host gets one first; the 1.0 pool writes HTTP/1.0', () => {
    const h = parseOneRequest('GET /x HTTP/1.0\r\nAccept: y\r\n\r\n').head as RequestHead;
    const out = latin1(encodeRequestHead({ ...h, path: h.path, method: h.method, headers: h.headers, host: 'cluster.local' }, { framing: 'none', versionMinor: 0, connection: 'keep-alive' }));
    assert.equal(out, 'GET /x HTTP/1.0\r\nHost: cluster.local\r\nAccept: y\r\nConnection: keep-alive\r\n\r\n');
  });
  it('R20: Expect is never forwarded (the proxy answers 100-continue itself, R15)', () => {
    const out = forward(`POST / HTTP/1.1\r\n${H}Expect: 100-continue\r\nContent-Length: 1\r\n\r\nx`, { framing: 'content-length', contentLength: 1 });
    assert.equal(out, `POST / HTTP/1.1\r\n${H}Content-Length: 1\r\n\r\n`);
  });
  it('R20: extra headers are appended in one pass and obs-text survives byte for byte', () => {
    const out = forward(`GET / HTTP/1.1\r\n${H}X-L: caf\xe9\x80\r\n\r\n`, { framing: 'none', extraHeaders: ['x-forwarded-for', '10.0.0.1', 'via', '1.1 proxy'] });
    assert.equal(out, `GET / HTTP/1.1\r\n${H}X-L: caf\xe9\x80\r\nx-forwarded-for: 10.0.0.1\r\nvia: 1.1 proxy\r\n\r\n`);
  });
});

describe('R21: facts the upstream reuse decision needs', () => {
  it('R21: a response is reusable only when complete, length-delimited and not closing', () => {
    const ok = runResponses(bytes('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi'));
    assert.deepEqual([ok.messages[0]!.complete, ok.messages[0]!.head.keepAlive], [true, true]);
    const eof = runResponses(bytes('HTTP/1.1 200 OK\r\n\r\nhi'), 'whole', { finish: true });
    assert.deepEqual([eof.messages[0]!.complete, eof.messages[0]!.head.keepAlive], [true, false]);
    const close = runResponses(bytes('HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'));
    assert.equal(close.messages[0]!.head.keepAlive, false);
  });
  it('R21: bytes after the response (overrun, early next response) are an error, not reuse', () => {
    const o = runResponses(bytes('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhiHTTP/1.1 200 OK\r\n'));
    assert.equal(o.messages[0]!.complete, true);
    assert.equal(o.error?.detail, 'http1.data_after_response');
  });
  it('R21: a response cut short reports premature_eof instead of completing', () => {
    const o = runResponses(bytes('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhi'), 'whole', { finish: true });
    assert.equal(o.messages[0]!.complete, false);
    assert.equal(o.error?.detail, 'http1.premature_eof');
  });
});

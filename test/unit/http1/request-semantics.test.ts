/** R11-R16: target forms, Host, limits, empty lines, Expect, Upgrade/CONNECT/PRI. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestHead } from '../../../src/http1/head.ts';
import { bytes, latin1, parseOneRequest, requestError, runRequests } from './helpers.ts';

const H = 'Host: example.com\r\n';

function head(raw: string): RequestHead {
  return parseOneRequest(raw).head as RequestHead;
}

describe('R11: request-target forms', () => {
  it('R11: origin-form is forwarded as is', () => {
    const h = head(`GET /a/b?c=d HTTP/1.1\r\n${H}\r\n`);
    assert.deepEqual([h.targetForm, h.path, h.host], ['origin', '/a/b?c=d', 'example.com']);
  });
  it('R11: absolute-form: route on its authority, replace Host, forward origin-form', () => {
    const h = head('GET http://Other.Example:8080/x?y HTTP/1.1\r\nHost: example.com\r\n\r\n');
    assert.deepEqual([h.targetForm, h.path, h.host, h.target], ['absolute', '/x?y', 'Other.Example:8080', 'http://Other.Example:8080/x?y']);
    assert.equal(head('GET HTTPS://h.example HTTP/1.1\r\nHost: h.example\r\n\r\n').path, '/');
    assert.equal(head('GET http://h.example?q=1 HTTP/1.1\r\nHost: h.example\r\n\r\n').path, '/?q=1');
  });
  it('R11: absolute-form with another scheme or a bad authority is answered 400', () => {
    assert.equal(requestError(`GET ftp://h.example/ HTTP/1.1\r\n${H}\r\n`)?.detail, 'http1.invalid_url');
    assert.equal(requestError(`GET http://user@h.example/ HTTP/1.1\r\n${H}\r\n`)?.detail, 'http1.invalid_url');
    assert.equal(requestError(`GET http:///x HTTP/1.1\r\n${H}\r\n`)?.detail, 'http1.invalid_url');
  });
  it('R11: authority-form with a method other than CONNECT is answered 400', () => {
    assert.equal(requestError(`GET example.com:443 HTTP/1.1\r\n${H}\r\n`)?.detail, 'http1.target_form_mismatch');
  });
  it('R11: asterisk-form only for OPTIONS', () => {
    assert.deepEqual([head(`OPTIONS * HTTP/1.1\r\n${H}\r\n`).targetForm, head(`OPTIONS * HTTP/1.1\r\n${H}\r\n`).path], ['asterisk', '*']);
    assert.equal(requestError(`GET * HTTP/1.1\r\n${H}\r\n`)?.detail, 'http1.target_form_mismatch');
  });
  it('R11: CONNECT needs authority-form host:port', () => {
    const h = head('CONNECT db.example:5432 HTTP/1.1\r\nHost: db.example:5432\r\n\r\n');
    assert.deepEqual([h.targetForm, h.path, h.host, h.upgrade], ['authority', 'db.example:5432', 'db.example:5432', true]);
    assert.equal(requestError(`CONNECT db.example HTTP/1.1\r\n${H}\r\n`)?.detail, 'http1.invalid_url');
    assert.equal(requestError(`CONNECT /x HTTP/1.1\r\n${H}\r\n`)?.detail, 'http1.invalid_url');
  });
});

describe('R12: Host', () => {
  it('R12: HTTP/1.1 without Host is answered 400', () => {
    assert.equal(requestError('GET / HTTP/1.1\r\n\r\n')?.detail, 'http1.missing_host_header');
    assert.equal(requestError('GET http://h.example/ HTTP/1.1\r\n\r\n')?.detail, 'http1.missing_host_header');
  });
  it('R12: two Host lines are answered 400, even identical', () => {
    assert.equal(requestError(`GET / HTTP/1.1\r\n${H}${H}\r\n`)?.detail, 'http1.multiple_host_headers');
  });
  it('R12: HTTP/1.0 may omit Host (host is null)', () => {
    assert.equal(head('GET / HTTP/1.0\r\n\r\n').host, null);
  });
  for (const v of ['example.com', 'EXAMPLE.com:8080', '127.0.0.1', '[::1]', '[2001:db8::1]:443', 'a-b_c~d.e', 'xn--caf-dma.example', '%41.example', "sub!$&'()*+,;=.x"]) {
    it(`R12: Host ${JSON.stringify(v)} is valid`, () => {
      assert.equal(head(`GET / HTTP/1.1\r\nHost: ${v}\r\n\r\n`).host, v);
    });
  }
  for (const v of ['', 'a b', 'user@example.com', 'example.com/path', 'example.com:', 'example.com:99999', 'example.com:123456', 'example.com:8o', '[::1', '[]', 'ex%4', 'exa"mple', '[::1]x']) {
    it(`R12: Host ${JSON.stringify(v)} is answered 400`, () => {
      const e = requestError(`GET / HTTP/1.1\r\nHost: ${v}\r\n\r\n`);
      assert.equal(e?.detail, 'http1.invalid_host');
    });
  }
});

describe('R13: size limits', () => {
  it('R13: a request line over the limit is answered 414, before it ends', () => {
    const e = requestError(`GET /${'a'.repeat(8200)}`);
    assert.equal(e?.detail, 'http1.request_line_too_long');
    assert.equal(e?.status, 414);
    assert.equal(requestError(`GET /${'a'.repeat(90)} HTTP/1.1\r\n${H}\r\n`, { maxRequestLineBytes: 64 })?.status, 414);
    assert.equal(requestError(`GET /${'a'.repeat(40)} HTTP/1.1\r\n${H}\r\n`, { maxRequestLineBytes: 64 }), null);
  });
  it('R13: a header section over max_request_headers_kb is answered 431, without buffering past it', () => {
    const big = `GET / HTTP/1.1\r\n${H}X: ${'v'.repeat(70 * 1024)}\r\n\r\n`;
    const e = requestError(big);
    assert.equal(e?.detail, 'http1.headers_too_large');
    assert.equal(e?.status, 431);
    const partial = runRequests(bytes(`GET / HTTP/1.1\r\n${H}X: ${'v'.repeat(61 * 1024)}`), 'bytewise');
    assert.equal(partial.error?.status, 431);
    assert.equal(requestError(`GET / HTTP/1.1\r\n${H}X: ${'v'.repeat(200)}\r\n\r\n`, { maxHeaderBytes: 128 })?.status, 431);
  });
  it('R13: the limit counts the request line and every field line with its CRLF, exactly', () => {
    const section = (n: number) => {
      const start = `GET / HTTP/1.1\r\n${H}X: `;
      return `${start}${'v'.repeat(n - start.length - 2)}\r\n`;
    };
    assert.equal(section(200).length, 200);
    for (const mode of ['whole', 'bytewise'] as const) {
      assert.equal(runRequests(bytes(`${section(200)}\r\n`), mode, { maxHeaderBytes: 200 }).error, null, `${mode}: exactly the limit`);
      assert.equal(runRequests(bytes(`${section(201)}\r\n`), mode, { maxHeaderBytes: 200 }).error?.status, 431, `${mode}: one byte over`);
    }
  });
  it('R13: more than max_request_headers_count field lines are answered 431', () => {
    const fields = 'X: 1\r\n'.repeat(100);
    assert.equal(requestError(`GET / HTTP/1.1\r\n${H}${fields}\r\n`)?.detail, 'http1.too_many_headers');
    assert.equal(requestError(`GET / HTTP/1.1\r\n${H}${'X: 1\r\n'.repeat(99)}\r\n`), null);
    assert.equal(requestError(`GET / HTTP/1.1\r\n${H}X: 1\r\nX: 2\r\n\r\n`, { maxHeaderCount: 2 })?.status, 431);
  });
});

describe('R14: empty lines before the request line', () => {
  it('R14: up to 8 CRLFs are skipped, at the start and between requests', () => {
    const o = runRequests(bytes(`${'\r\n'.repeat(8)}GET /a HTTP/1.1\r\n${H}\r\n${'\r\n'.repeat(8)}GET /b HTTP/1.1\r\n${H}\r\n`));
    assert.equal(o.error, null);
    assert.deepEqual(o.messages.map((m) => (m.head as RequestHead).path), ['/a', '/b']);
  });
  it('R14: a ninth empty line is answered 400', () => {
    assert.equal(requestError(`${'\r\n'.repeat(9)}GET / HTTP/1.1\r\n${H}\r\n`)?.detail, 'http1.too_many_empty_lines');
  });
  it('R14: a bare LF before the request line is answered 400', () => {
    assert.equal(requestError(`\nGET / HTTP/1.1\r\n${H}\r\n`)?.detail, 'http1.bare_lf');
    assert.equal(requestError(`\rGET / HTTP/1.1\r\n${H}\r\n`)?.detail, 'http1.bare_cr');
  });
});

describe('R15: Expect', () => {
  it('R15: Expect: 100-continue (any case) on HTTP/1.1 is reported, not answered', () => {
    assert.equal(head(`POST / HTTP/1.1\r\n${H}Expect: 100-Continue\r\nContent-Length: 1\r\n\r\nx`).expectContinue, true);
    assert.equal(head(`POST / HTTP/1.1\r\n${H}Content-Length: 1\r\n\r\nx`).expectContinue, false);
  });
  it('R15: HTTP/1.0 100-continue expectations are ignored', () => {
    assert.equal(head('POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nx').expectContinue, false);
  });
  for (const v of ['200-ok', '100-continue, foo', 'y 100-continue', '']) {
    it(`R15: Expect ${JSON.stringify(v)} is answered 417`, () => {
      const e = requestError(`POST / HTTP/1.1\r\n${H}Expect: ${v}\r\nContent-Length: 1\r\n\r\nx`);
      assert.equal(e?.detail, 'http1.expectation_failed');
      assert.equal(e?.status, 417);
    });
  }
  it('R15: after the head, bytes are body, never a new request (the proxy answers early and closes)', () => {
    const o = runRequests(bytes(`POST / HTTP/1.1\r\n${H}Expect: 100-continue\r\nContent-Length: 19\r\n\r\nGET /x HTTP/1.1\r\n\r\n`));
    assert.equal(o.messages.length, 1);
    assert.equal(o.messages[0]!.body, 'GET /x HTTP/1.1\r\n\r\n');
  });
});

describe('R16: Upgrade, CONNECT, h2c, PRI', () => {
  it('R16: a websocket upgrade is reported; the parser stops after the head and hands the rest over', () => {
    const o = runRequests(bytes(`GET /ws HTTP/1.1\r\n${H}Connection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n\r\n\x81\x05hello`));
    assert.equal(o.messages[0]!.head.upgrade, true);
    assert.equal(o.remainder, '\x81\x05hello');
  });
  it('R16: without a 101 the owner resumes and the next bytes are parsed as HTTP again', () => {
    const o = runRequests(bytes(`GET /ws HTTP/1.1\r\n${H}Connection: upgrade\r\nUpgrade: websocket\r\n\r\n`));
    assert.equal(o.messages[0]!.complete, true);
    assert.equal(o.state, 'detached');
  });
  it('R16: Upgrade: h2c is never an upgrade (and HTTP2-Settings is only a field)', () => {
    const h = head(`GET / HTTP/1.1\r\n${H}Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n`);
    assert.equal(h.upgrade, false);
  });
  it('R16: a websocket offered beside h2c is an upgrade; a protocol other than websocket is not', () => {
    const both = head(`GET / HTTP/1.1\r\n${H}Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c, websocket\r\nHTTP2-Settings: AAMAAABk\r\n\r\n`);
    assert.equal(both.upgrade, true);
    assert.equal(head(`GET / HTTP/1.1\r\n${H}Connection: Upgrade\r\nUpgrade: WebSocket\r\n\r\n`).upgrade, true, 'case-insensitive');
    for (const other of ['totally-not-websocket', 'websocket2', 'HTTP/2.0', 'h2c, foo']) {
      const o = runRequests(bytes(`GET / HTTP/1.1\r\n${H}Connection: Upgrade\r\nUpgrade: ${other}\r\n\r\n`));
      assert.deepEqual([o.error, o.messages[0]!.head.upgrade, o.remainder], [null, false, null], other);
    }
  });
  it('R16: a request naming a protocol other than websocket still cannot carry a body', () => {
    const e = requestError(`POST / HTTP/1.1\r\n${H}Connection: upgrade\r\nUpgrade: foo\r\nContent-Length: 2\r\n\r\nhi`);
    assert.equal(e?.detail, 'http1.upgrade_with_body');
  });
  it('R16: Upgrade without Connection: upgrade, or on HTTP/1.0, is not an upgrade', () => {
    assert.equal(head(`GET / HTTP/1.1\r\n${H}Upgrade: websocket\r\n\r\n`).upgrade, false);
    assert.equal(head('GET / HTTP/1.0\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n').upgrade, false);
  });
  it('R16: an upgrade request with a body is answered 400', () => {
    const e = requestError(`POST / HTTP/1.1\r\n${H}Connection: upgrade\r\nUpgrade: websocket\r\nContent-Length: 2\r\n\r\nhi`);
    assert.equal(e?.detail, 'http1.upgrade_with_body');
    assert.equal(requestError(`POST / HTTP/1.1\r\n${H}Connection: upgrade\r\nUpgrade: websocket\r\nContent-Length: 0\r\n\r\n`), null);
  });
  it('R16: CONNECT is a tunnel request without content; a body is answered 400', () => {
    const o = runRequests(bytes('CONNECT h.example:443 HTTP/1.1\r\nHost: h.example:443\r\n\r\n\x16\x03\x01'));
    assert.equal(o.messages[0]!.head.upgrade, true);
    assert.equal(o.remainder, '\x16\x03\x01');
    assert.equal(requestError('CONNECT h.example:443 HTTP/1.1\r\nHost: h.example:443\r\nContent-Length: 3\r\n\r\nabc')?.detail, 'http1.body_disallowed');
  });
  it('R16: the HTTP/2 preface PRI * HTTP/2.0 is answered 400', () => {
    assert.equal(requestError('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n')?.detail, 'http1.h2_preface_rejected');
    assert.equal(requestError(`PRI * HTTP/1.1\r\n${H}\r\n`)?.detail, 'http1.h2_preface_rejected');
  });
  it('R16: the tunnel remainder is the bytes after the head, whatever the split', () => {
    const raw = `GET / HTTP/1.1\r\n${H}Connection: upgrade\r\nUpgrade: websocket\r\n\r\nabc`;
    for (const how of ['bytewise', 3, 5] as const) assert.equal(latin1(bytes(runRequests(bytes(raw), how).remainder!)), 'abc');
  });
});

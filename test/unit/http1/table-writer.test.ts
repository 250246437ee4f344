/**
 * The table writers copy a parsed head's fields from its text: their bytes must equal what the
 * string writers produce from the same fields (hop-by-hop, nomination, Host, obs-fold, omissions).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { RequestHead, ResponseHead } from '../../../src/http1/head.ts';
import {
  encodeRequestHead,
  encodeRequestHeadFrom,
  encodeResponseHead,
  encodeResponseHeadFrom,
  type HeadWriteOptions,
} from '../../../src/http1/serialize.ts';
import { bytes, latin1, parseOneRequest, rng, runRequests, runResponses } from './helpers.ts';

const OMIT = ['x-request-id', 'x-forwarded-for'];

/** The string path: received fields less `omit`, Host replaced, `added` appended. */
function viaStrings(head: RequestHead, host: string | null, added: string[], opts: HeadWriteOptions): string {
  const list: string[] = [];
  const src = head.headers;
  for (let i = 0; i < src.length; i += 2) {
    const lower = src[i]!.toLowerCase();
    if (OMIT.includes(lower)) continue;
    list.push(src[i]!, lower === 'host' && host !== null ? host : src[i + 1]!);
  }
  return latin1(encodeRequestHead({ method: head.method, path: head.path, headers: list.concat(added), host: null }, opts));
}

function viaTable(head: RequestHead, host: string | null, added: string[], opts: HeadWriteOptions): string {
  return latin1(encodeRequestHeadFrom(head.method, head.path, head.fields, OMIT, host, added, opts));
}

function request(raw: string): RequestHead {
  return parseOneRequest(raw).head as RequestHead;
}

function response(raw: string, upgrade = false): ResponseHead {
  const o = runResponses(bytes(raw), 'whole', { upgrade });
  if (o.error) throw new Error(o.error.detail);
  return o.messages[0]!.head as ResponseHead;
}

describe('request head written from the field table', () => {
  it('copies fields in order, canonical `name: value`, and adds ours after them', () => {
    const head = request('GET /a?b HTTP/1.1\r\nHost:example.com\r\nAccept:  */*  \r\nX-Request-Id: abc\r\n\r\n');
    const out = viaTable(head, 'example.com', ['x-request-id', 'abc'], { framing: 'none' });
    assert.equal(out, 'GET /a?b HTTP/1.1\r\nHost: example.com\r\nAccept: */*\r\nx-request-id: abc\r\n\r\n');
  });

  it('replaces the Host value, drops hop-by-hop and nominated fields, keeps protected ones', () => {
    const raw =
      'POST /p HTTP/1.1\r\nHost: old\r\nConnection: keep-alive, X-Secret, x-forwarded-for\r\nX-Secret: 1\r\n' +
      'Keep-Alive: timeout=5\r\nTE: trailers\r\nTrailer: X\r\nProxy-Connection: x\r\nHTTP2-Settings: y\r\n' +
      'X-Forwarded-For: 1.2.3.4\r\nContent-Length: 3\r\nExpect: 100-continue\r\nUpgrade: websocket\r\n\r\nabc';
    const head = request(raw);
    const added = ['x-forwarded-for', '1.2.3.4, 10.0.0.1'];
    const opts: HeadWriteOptions = { framing: 'content-length', contentLength: 3 };
    const out = viaTable(head, 'new', added, opts);
    assert.equal(out, 'POST /p HTTP/1.1\r\nHost: new\r\nx-forwarded-for: 1.2.3.4, 10.0.0.1\r\nContent-Length: 3\r\n\r\n');
    assert.equal(out, viaStrings(head, 'new', added, opts));
  });

  it('R17: the proxy-added fields survive a nomination of their names; the received ones go', () => {
    const head = request('GET / HTTP/1.1\r\nHost: h\r\nConnection: via, x-proxy-upstream-service-time\r\nVia: 1.0 spoof\r\n\r\n');
    const out = viaTable(head, null, ['via', '1.1 edge'], { framing: 'none' });
    assert.equal(out, 'GET / HTTP/1.1\r\nHost: h\r\nvia: 1.1 edge\r\n\r\n');
  });

  it('R16: a switch writes the first Upgrade line as websocket alone and drops the others', () => {
    const head = request('GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c, websocket\r\nHTTP2-Settings: x\r\nupgrade: foo\r\n\r\n');
    const opts: HeadWriteOptions = { framing: 'none', connection: 'upgrade' };
    assert.equal(viaTable(head, null, [], opts), 'GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n');
    assert.equal(viaTable(head, null, [], opts), viaStrings(head, null, [], opts));
  });

  it('keeps Upgrade for a protocol switch and writes HTTP/1.0 start lines for the 1.0 pool', () => {
    const head = request('GET /ws HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n');
    for (const opts of [{ framing: 'none', connection: 'upgrade' }, { framing: 'none', versionMinor: 0, connection: 'keep-alive' }] as HeadWriteOptions[]) {
      assert.equal(viaTable(head, null, [], opts), viaStrings(head, null, [], opts));
    }
  });

  it('an HTTP/1.0 request without Host gets the caller-added one', () => {
    const head = request('GET / HTTP/1.0\r\nAccept: x\r\n\r\n');
    const out = viaTable(head, null, ['host', 'h'], { framing: 'none' });
    assert.equal(out, 'GET / HTTP/1.1\r\nAccept: x\r\nhost: h\r\n\r\n');
  });

  it('matches the string writer on seeded random requests', () => {
    const r = rng(7);
    const names = ['Accept', 'connection', 'X-Request-ID', 'x-forwarded-for', 'Cookie', 'te', 'X-A', 'Keep-Alive', 'User-Agent', 'X-B'];
    const values = ['1', 'keep-alive', 'close', 'x-a, X-B', 'a b\tc', '\xe9t\xe9', 'TE', '', 'a-value-long-enough-for-the-native-copy-path/0123456789'];
    const OWS = ['', ' ', ' ', '  ', '\t', ' \t'];
    let compared = 0;
    for (let n = 0; n < 500; n++) {
      let raw = `GET /${n} HTTP/1.1\r\nHost: h${n}\r\n`;
      const count = Math.floor(r() * 6);
      for (let i = 0; i < count; i++) {
        // Leading and trailing OWS of every kind: canonical lines are copied as runs, others rewritten.
        const lead = OWS[Math.floor(r() * OWS.length)]!;
        const trail = r() < 0.7 ? '' : OWS[Math.floor(r() * OWS.length)]!;
        raw += `${names[Math.floor(r() * names.length)]}:${lead}${values[Math.floor(r() * values.length)]}${trail}\r\n`;
      }
      const parsed = runRequests(bytes(raw + '\r\n'));
      if (parsed.error !== null) continue; // e.g. a Connection value the codec rejects (R17)
      compared++;
      const head = parsed.messages[0]!.head as RequestHead;
      const host = r() < 0.5 ? null : 'rewritten';
      const added = r() < 0.5 ? [] : ['x-request-id', 'id', 'via', '1.1 p'];
      const opts: HeadWriteOptions = { framing: r() < 0.5 ? 'none' : 'chunked' };
      assert.equal(viaTable(head, host, added, opts), viaStrings(head, host, added, opts), raw);
    }
    assert.ok(compared > 300, `only ${compared} valid requests`);
  });
});

describe('response head written from the field table', () => {
  it('copies the fields, drops hop-by-hop ones, then added fields, framing and Connection', () => {
    const head = response('HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 5\r\nConnection: keep-alive\r\nX-Y: z\r\n\r\nhello');
    const added = ['x-envoy-upstream-service-time', '3'];
    const opts: HeadWriteOptions = { framing: 'content-length', contentLength: 5, connection: 'close' };
    const out = latin1(encodeResponseHeadFrom(head.status, head.reason, head.fields, added, opts));
    assert.equal(out, 'HTTP/1.1 200 OK\r\nServer: nginx\r\nX-Y: z\r\nx-envoy-upstream-service-time: 3\r\nContent-Length: 5\r\nConnection: close\r\n\r\n');
    assert.equal(out, latin1(encodeResponseHead({ status: 200, reason: 'OK', headers: head.headers.concat(added) }, opts)));
  });

  it('writes an obs-folded value unfolded (S9) and honours nomination', () => {
    const head = response('HTTP/1.1 200 OK\r\nX-Long: a\r\n  b\r\nConnection: X-Gone\r\nX-Gone: 1\r\nContent-Length: 0\r\n\r\n');
    const opts: HeadWriteOptions = { framing: 'content-length', contentLength: 0 };
    const out = latin1(encodeResponseHeadFrom(head.status, head.reason, head.fields, [], opts));
    assert.equal(out, 'HTTP/1.1 200 OK\r\nX-Long: a b\r\nContent-Length: 0\r\n\r\n');
    assert.equal(out, latin1(encodeResponseHead({ status: 200, reason: 'OK', headers: head.headers }, opts)));
  });

  it('field lookups do not need the string list', () => {
    const head = response('HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 0\r\n\r\n');
    assert.equal(head.get('server'), 'nginx');
    assert.equal(head.get('x-none'), undefined);
    assert.deepEqual(head.headers, ['Server', 'nginx', 'Content-Length', '0']);
  });
});

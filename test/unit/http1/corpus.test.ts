/** llhttp's strict vectors: same verdict as llhttp, except where HTTP1-RULES.md deliberately differs. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { disagreement } from './corpus-compare.ts';
import { loadVectors, rawBytes, runRequests, runResponses, type Outcome, type Split, type Vector } from './helpers.ts';

const requests = await loadVectors('requests.json');
const responses = await loadVectors('responses.json');

/** Every vector runs whole, one byte at a time, and in three seeded random splits. */
const SPLITS: Split[] = ['whole', 'bytewise', 11, 4242, 90210];

const MISSING_HOST = 'http1.missing_host_header';

/**
 * Where our rules reject (or accept) what llhttp does not: vector id → [rule, our detail, why].
 * `accept` means we accept what llhttp rejects; `no-switch` that a request llhttp takes as an
 * upgrade completes as a plain one (R16: only websocket is an upgrade).
 */
const EXCEPTIONS: Record<string, [string, string, string]> = {
  // R12: an HTTP/1.1 request needs exactly one Host line (absolute-form does not exempt it).
  'request/connection/keep-alive/setting-flag': ['R12', MISSING_HOST, 'no Host'],
  'request/connection/keep-alive/restarting-when-keep-alive-is-explicitly': ['R12', MISSING_HOST, 'no Host'],
  'request/connection/close/setting-flag-on-close': ['R12', MISSING_HOST, 'no Host'],
  'request/connection/close/setting-flag-on-close-followed-by-tab': ['R12', MISSING_HOST, 'no Host'],
  'request/connection/parsing-multiple-tokens/sample': ['R12', MISSING_HOST, 'no Host'],
  'request/connection/parsing-multiple-tokens/multiple-tokens-with-folding-and-lws': ['R12', MISSING_HOST, 'no Host'],
  'request/connection/upgrade/setting-a-flag-and-pausing': ['R12', MISSING_HOST, 'no Host'],
  'request/connection/upgrade/emitting-part-of-body-and-pausing': ['R12', MISSING_HOST, 'no Host'],
  'request/content-length/content-length-with-zeroes': ['R12', MISSING_HOST, 'no Host'],
  'request/content-length/content-length-with-follow-up-headers': ['R12', MISSING_HOST, 'no Host'],
  'request/content-length/spaces-in-content-length-surrounding': ['R12', MISSING_HOST, 'no Host'],
  'request/content-length/spaces-in-content-length-surrounding/tabs-in-content-length-surrounding': ['R12', MISSING_HOST, 'no Host'],
  'request/method/report-request': ['R12', MISSING_HOST, 'no Host'],
  'request/pipelining/should-parse-multiple-events': ['R12', MISSING_HOST, 'no Host'],
  'request/sample/simple-request': ['R12', MISSING_HOST, 'no Host'],
  'request/sample/request-with-method-starting-with-h': ['R12', MISSING_HOST, 'no Host'],
  'request/sample/dumbpack': ['R12', MISSING_HOST, 'no Host'],
  'request/sample/no-headers-and-no-body': ['R12', MISSING_HOST, 'no Host'],
  'request/sample/one-header-and-no-body': ['R12', MISSING_HOST, 'no Host'],
  'request/sample/prefix-newline': ['R12', MISSING_HOST, 'no Host'],
  'request/sample/request-starting-with-crlf': ['R12', MISSING_HOST, 'no Host'],
  'request/sample/extended-characters': ['R12', MISSING_HOST, 'no Host'],
  'request/sample/255-ascii-in-header-value': ['R12', MISSING_HOST, 'no Host'],
  'request/transfer-encoding/chunked/parsing-and-setting-flag': ['R12', MISSING_HOST, 'no Host'],
  'request/transfer-encoding/chunked/parse-chunks-with-lowercase-size': ['R12', MISSING_HOST, 'no Host'],
  'request/transfer-encoding/chunked/parse-chunks-with-uppercase-size': ['R12', MISSING_HOST, 'no Host'],
  'request/transfer-encoding/chunked/post-with-transfer-encoding-chunked': ['R12', MISSING_HOST, 'no Host'],
  'request/transfer-encoding/chunked/two-chunks-and-triple-zero-prefixed-end-chunk': ['R12', MISSING_HOST, 'no Host'],
  'request/transfer-encoding/chunked/trailing-headers': ['R12', MISSING_HOST, 'no Host'],
  'request/transfer-encoding/chunked/chunk-extensions': ['R12', MISSING_HOST, 'no Host'],
  'request/transfer-encoding/chunked/chunk-extensions-quoting': ['R12', MISSING_HOST, 'no Host'],
  'request/uri/quotes-in-uri': ['R12', MISSING_HOST, 'no Host'],
  'request/uri/query-url-with-question-mark': ['R12', MISSING_HOST, 'no Host'],
  'request/uri/host-terminated-by-a-query-string': ['R12', MISSING_HOST, 'absolute-form, no Host line'],
  'request/uri/host-port-terminated-by-a-query-string': ['R12', MISSING_HOST, 'absolute-form, no Host line'],
  'request/uri/query-url-with-vertical-bar-character': ['R12', MISSING_HOST, 'no Host'],
  'request/uri/host-port-terminated-by-a-space': ['R12', MISSING_HOST, 'absolute-form, no Host line'],
  // R12/R11: userinfo in the authority is not a valid host.
  'request/uri/host-port-and-basic-auth': ['R12', 'http1.invalid_url', 'userinfo in absolute-form authority'],
  // R10: exactly HTTP/1.0 or HTTP/1.1; no HTTP/0.9, no RTSP/ICE; a #fragment is not a request-target.
  'request/method/source-request-with-ice': ['R10', 'http1.invalid_version', 'ICE protocol'],
  'request/method/options-request-with-rtsp': ['R10', 'http1.invalid_version', 'RTSP protocol'],
  'request/method/announce-request-with-rtsp': ['R10', 'http1.invalid_version', 'RTSP protocol'],
  'request/sample/no-http-version': ['R10', 'http1.http09_rejected', 'HTTP/0.9 request'],
  'request/uri/fragment-in-uri': ['R10', 'http1.fragment_in_target', '#fragment in target'],
  'request/transfer-encoding/post-with-chunked-as-last-transfer-encoding': ['R10', 'http1.fragment_in_target', '#fragment in target (and R3: deflate, chunked is 501)'],
  'request/transfer-encoding/post-with-chunked-as-last-transfer-encoding-multiple-headers': ['R10', 'http1.fragment_in_target', '#fragment in target (and R3: deflate + chunked is 501)'],
  // R10: extension methods are tokens and are forwarded; llhttp only knows a fixed list.
  'request/invalid/http-protocol-and-announce-method': ['R10', 'accept', 'ANNOUNCE is a valid token method'],
  // R11: asterisk-form only for OPTIONS.
  'request/method/m-search-request': ['R11', 'http1.target_form_mismatch', 'M-SEARCH *'],
  // R16: no body on an upgrade or CONNECT; PRI (the h2 preface) is not HTTP/1.
  'request/connection/upgrade/upgrade-post-request': ['R16', 'http1.upgrade_with_body', 'Upgrade with a body'],
  'request/method/connect-with-body': ['R16', 'http1.body_disallowed', 'CONNECT with Content-Length'],
  'request/method/pri-request-http2': ['R16', 'http1.h2_preface_rejected', 'PRI * preface'],
  // S1: status line must be HTTP/1.0 or HTTP/1.1.
  'response/sample/rtsp-response': ['S1', 'http1.invalid_status_line', 'RTSP'],
  'response/sample/ice-response': ['S1', 'http1.invalid_status_line', 'ICE'],
  'response/sample/http-version-0-9': ['S1', 'http1.invalid_status_line', 'HTTP/0.9'],
  // S6 / R16: a 101 must switch to the protocol we asked for, and the proxy only asks for websocket.
  'response/connection/http-101-response-with-upgrade-and-content-length-header': ['S6', 'http1.unexpected_101', '101 to h2c'],
  'response/connection/http-101-response-with-upgrade-and-transfer-encoding-header': ['S6', 'http1.unexpected_101', '101 to h2c'],
  // S4: a response TE other than exactly `chunked` is a 502, not a close-delimited body.
  'response/transfer-encoding/chunked-before-other-transfer-encoding': ['S4', 'http1.invalid_transfer_encoding', 'chunked, deflate'],
  'response/transfer-encoding/multiple-transfer-encoding-where-chunked-is-not-the-last-one': ['S4', 'http1.invalid_transfer_encoding', 'chunked then identity'],
  'response/transfer-encoding/chunkedchunked-transfer-encoding-does-not-enable-chunked-enconding': ['S4', 'http1.invalid_transfer_encoding', 'chunkedchunked'],
};

/** R12 exceptions that still differ with Host checking off, and why. */
const HOSTLESS_EXCEPTIONS: Record<string, [string, string]> = {
  'request/connection/upgrade/setting-a-flag-and-pausing': ['R16', 'no-switch'],
  'request/connection/upgrade/emitting-part-of-body-and-pausing': ['R16', 'http1.upgrade_with_body'],
};

function run(v: Vector, how: Split, requireHost = true): Outcome {
  const input = rawBytes(v);
  if (v.kind === 'request') return runRequests(input, how, { requireHost });
  // A client that pipelined several requests, each allowed to upgrade (101 is then acceptable).
  return runResponses(input, how, { expect: 8, upgrade: true });
}

function checkException(v: Vector, o: Outcome, rule: string, detail: string): void {
  if (detail === 'no-switch') {
    assert.equal(o.error, null, `${rule}: we accept this`);
    assert.deepEqual([o.messages[0]?.complete, o.messages[0]?.head.upgrade, o.remainder], [true, false, null], `${rule}: not an upgrade`);
  } else if (detail === 'accept') assert.equal(o.error, null, `${rule}: we accept this`);
  else assert.equal(o.error?.detail, detail, `${rule}: expected ${detail}, got ${o.error?.detail ?? 'ok'}`);
}

for (const [name, vectors] of [['requests', requests], ['responses', responses]] as const) {
  describe(`llhttp corpus: strict ${name}`, () => {
    for (const v of vectors) {
      if (v.mode !== 'strict') continue;
      const ex = EXCEPTIONS[v.id];
      if (ex === undefined) {
        it(`${v.id}: llhttp's verdict (${v.expect}), whole, bytewise and random splits`, () => {
          for (const how of SPLITS) {
            const d = disagreement(v, run(v, how));
            assert.equal(d, null, `split ${how}: ${d}`);
          }
        });
        continue;
      }
      const [rule, detail, why] = ex;
      const verb = detail === 'accept' ? 'accepted' : `rejected (${detail})`;
      it(`${rule}: ${v.id} is ${verb} where llhttp says ${v.expect} (${why})`, () => {
        for (const how of SPLITS) checkException(v, run(v, how), rule, detail);
      });
      if (rule === 'R12' && detail === MISSING_HOST) {
        const hostless = HOSTLESS_EXCEPTIONS[v.id];
        it(`${v.id}: with Host checking off, ${hostless ? `${hostless[0]} still ${hostless[1] === 'no-switch' ? 'parses it as a plain request' : 'rejects it'}` : "llhttp's full parse"}`, () => {
          for (const how of SPLITS) {
            const o = run(v, how, false);
            if (hostless) checkException(v, o, hostless[0], hostless[1]);
            else assert.equal(disagreement(v, o), null, `split ${how}: ${disagreement(v, o)}`);
          }
        });
      }
    }
  });
}

describe('llhttp corpus: other modes', () => {
  it('the exception table names only strict vectors that exist', () => {
    const strict = new Set([...requests, ...responses].filter((v) => v.mode === 'strict').map((v) => v.id));
    for (const id of Object.keys(EXCEPTIONS)) assert.ok(strict.has(id), id);
  });

  it('pause vectors parse like strict ones (llhttp harness only differs)', () => {
    for (const v of [...requests, ...responses]) {
      if (v.mode !== 'pause') continue;
      for (const how of SPLITS) assert.equal(disagreement(v, run(v, how, false)), null, v.id);
    }
  });

  it('every lenient-mode vector (llhttp accepts only with a leniency flag) is rejected', () => {
    for (const v of [...requests, ...responses]) {
      if (!v.mode.startsWith('lenient-')) continue;
      for (const how of SPLITS) assert.notEqual(run(v, how, false).error, null, v.id);
    }
  });

  it('finish vectors: EOF completes a close-delimited response, truncates a partial request', () => {
    for (const v of [...requests, ...responses]) {
      if (v.mode !== 'finish') continue;
      const input = rawBytes(v);
      const o =
        v.kind === 'request'
          ? runRequests(input, 'bytewise', { requireHost: false, finish: true })
          : runResponses(input, 'bytewise', { finish: true });
      if (v.finish === 'unsafe') assert.equal(o.error?.detail, 'http1.premature_eof', v.id);
      else assert.equal(o.error, null, v.id);
      if (v.finish === 'safe_with_cb') assert.equal(o.messages[0]?.complete, true, v.id);
    }
  });

  it('skip-body: bodiless responses to HEAD keep their Content-Length and read no body', () => {
    const v = responses.find((x) => x.mode === 'skip-body')!;
    const o = runResponses(rawBytes(v), 'bytewise', { method: 'HEAD', expect: 2 });
    assert.equal(o.error, null);
    assert.equal(o.messages.length, 2);
    assert.deepEqual(o.messages.map((m) => m.head.contentLength), [123, 456]);
    assert.deepEqual(o.messages.map((m) => m.body), ['', '']);
  });
});

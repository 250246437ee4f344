import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { downstreamProtocolError, localReply, type LocalReplyKind } from '../../../src/http/local-reply.ts';
import { formatResponseFlags } from '../../../src/http/response-flags.ts';

const decode = (b: Uint8Array) => new TextDecoder().decode(b);

describe('local replies (DESIGN §7)', () => {
  const table: Array<[LocalReplyKind, number, string, string]> = [
    ['no_route', 404, '', 'NR'],
    ['no_healthy_upstream', 503, 'no healthy upstream', 'UH'],
    ['upstream_overflow', 503, 'upstream overflow', 'UO'],
    ['connect_failure', 503, 'upstream connect error or disconnect/reset before headers. reset reason: connection failure', 'UF'],
    ['connection_termination', 503, 'upstream connect error or disconnect/reset before headers. reset reason: connection termination', 'UC'],
    ['upstream_timeout', 504, 'upstream request timeout', 'UT'],
    ['upstream_protocol_error', 502, 'upstream protocol error', 'UPE'],
    ['bad_request', 400, '', 'DPE'],
    ['headers_too_large', 431, '', 'DPE'],
    ['uri_too_long', 414, '', 'DPE'],
    ['payload_too_large', 413, '', 'DPE'],
    ['expectation_failed', 417, '', 'DPE'],
    ['not_implemented', 501, '', 'DPE'],
    ['version_not_supported', 505, '', 'DPE'],
    ['request_timeout', 408, '', '-'],
    ['downstream_disconnect', 0, '', 'DC'],
  ];

  for (const [kind, status, body, flag] of table) {
    it(`${kind} answers ${status} ${flag}${body ? ` "${body}"` : ''}`, () => {
      const r = localReply(kind);
      assert.equal(r.status, status);
      assert.equal(decode(r.body), body);
      assert.equal(formatResponseFlags(r.flags), flag);
      assert.equal(r.contentType, body ? 'text/plain' : null);
      assert.ok(r.details.length > 0);
    });
  }

  it('replies are shared, frozen objects (built once, not per request)', () => {
    assert.equal(localReply('no_healthy_upstream'), localReply('no_healthy_upstream'));
    assert.ok(Object.isFrozen(localReply('no_route')));
  });

  it('a codec rejection maps its status to the matching DPE reply, unknown ones to 400', () => {
    for (const s of [400, 413, 414, 417, 431, 501, 505]) {
      const r = downstreamProtocolError(s);
      assert.equal(r.status, s);
      assert.equal(formatResponseFlags(r.flags), 'DPE');
    }
    assert.equal(downstreamProtocolError(418).status, 400);
  });
});

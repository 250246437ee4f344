/** Settings a runtime cannot apply are named at load, not dropped in silence. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { unhonouredSettings } from '../../../src/main/unhonoured-settings.ts';
import { MINIMAL, parse } from '../config/config-helpers.ts';

const withBacklog = (n: number): string => MINIMAL.replace('port: 10000', `port: 10000\n    tcp_backlog_size: ${n}`);

describe('unhonoured settings', () => {
  it('names a listener backlog the runtime cannot apply, with its field path and the length used instead', () => {
    const [message, ...rest] = unhonouredSettings(parse(withBacklog(4096)), { name: 'bun', fixedAcceptQueue: 512 });
    assert.deepEqual(rest, []);
    assert.equal(message, 'listeners[0].tcp_backlog_size: 4096 is not applied on bun, which always asks the kernel for an accept queue of 512 (listener ingress)');
  });

  it('says nothing when the runtime applies the backlog, when none is set, or when it asks for the same length', () => {
    assert.deepEqual(unhonouredSettings(parse(withBacklog(4096)), { name: 'node', fixedAcceptQueue: null }), []);
    assert.deepEqual(unhonouredSettings(parse(MINIMAL), { name: 'deno', fixedAcceptQueue: 511 }), []);
    assert.deepEqual(unhonouredSettings(parse(withBacklog(511)), { name: 'deno', fixedAcceptQueue: 511 }), []);
  });
});

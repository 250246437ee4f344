import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyHeaderMutation, applyHeaderMutations, compileHeaderMutation } from '../../../src/router/header-mutation.ts';
import { getHeader, getJoinedHeader, removeHeader, setHeader } from '../../../src/router/header-list.ts';
import { compileRouter } from '../../../src/router/router.ts';
import { RouterConfigError } from '../../../src/router/errors.ts';
import type { HeaderValueOption } from '../../../src/router/types.ts';
import { toCluster } from './helpers.ts';

function edited(headers: string[], add: HeaderValueOption[], remove: string[] = []): string[] {
  const m = compileHeaderMutation(add, remove, 'request', 'test');
  assert.ok(m);
  const copy = headers.slice();
  applyHeaderMutation(copy, m);
  return copy;
}

describe('header list helpers', () => {
  it('lookups ignore the case of names', () => {
    const h = ['Content-Type', 'text/plain', 'X-A', '1', 'x-a', '2'];
    assert.equal(getHeader(h, 'content-type'), 'text/plain');
    assert.equal(getJoinedHeader(h, 'x-a'), '1,2');
    assert.equal(getHeader(h, 'missing'), null);
  });

  it('remove keeps the other fields in order', () => {
    const h = ['a', '1', 'B', '2', 'c', '3', 'b', '4'];
    assert.equal(removeHeader(h, 'b'), 2);
    assert.deepEqual(h, ['a', '1', 'c', '3']);
  });

  it('set replaces the first line in place and drops later ones', () => {
    const h = ['a', '1', 'X', 'old', 'c', '3', 'x', 'older'];
    assert.equal(setHeader(h, 'x', 'x', 'new'), true);
    assert.deepEqual(h, ['a', '1', 'X', 'new', 'c', '3']);
    assert.equal(setHeader(h, 'Y', 'y', 'v'), false);
    assert.deepEqual(h.slice(-2), ['Y', 'v']);
  });
});

describe('header mutation', () => {
  it('append (the default) adds another line even when the name exists', () => {
    assert.deepEqual(edited(['x-a', '1'], [{ name: 'X-A', value: '2' }]), ['x-a', '1', 'X-A', '2']);
  });

  it('append: false overwrites every existing line', () => {
    assert.deepEqual(edited(['x-a', '1', 'k', 'v', 'X-A', '3'], [{ name: 'x-a', value: '2', append: false }]), ['x-a', '2', 'k', 'v']);
  });

  it('add_if_absent and overwrite_if_exists', () => {
    assert.deepEqual(edited(['x-a', '1'], [{ name: 'x-a', value: '2', appendAction: 'add_if_absent' }]), ['x-a', '1']);
    assert.deepEqual(edited([], [{ name: 'x-a', value: '2', appendAction: 'add_if_absent' }]), ['x-a', '2']);
    assert.deepEqual(edited([], [{ name: 'x-a', value: '2', appendAction: 'overwrite_if_exists' }]), []);
    assert.deepEqual(edited(['X-A', '1'], [{ name: 'x-a', value: '2', appendAction: 'overwrite_if_exists' }]), ['X-A', '2']);
  });

  it('removals run before additions', () => {
    assert.deepEqual(edited(['x-a', '1', 'b', '2'], [{ name: 'x-a', value: 'new' }], ['X-A']), ['b', '2', 'x-a', 'new']);
  });

  it('empty lists compile to nothing so the hot path skips them', () => {
    assert.equal(compileHeaderMutation([], [], 'request', 'test'), null);
    assert.equal(compileHeaderMutation(undefined, undefined, 'response', 'test'), null);
  });

  it('route edits apply before virtual host edits, so the virtual host overwrites last', () => {
    const router = compileRouter([
      {
        name: 'vh',
        domains: ['*'],
        requestHeadersToAdd: [{ name: 'x-who', value: 'vhost', append: false }],
        responseHeadersToRemove: ['server'],
        routes: [toCluster('c', { prefix: '/' }, { requestHeadersToAdd: [{ name: 'x-who', value: 'route' }], responseHeadersToAdd: [{ name: 'x-r', value: '1' }] })],
      },
    ]);
    const m = router.route('GET', 'h', '/', []);
    assert.ok(m);
    const req: string[] = [];
    applyHeaderMutations(req, m.requestHeaderMutations);
    assert.deepEqual(req, ['x-who', 'vhost']);
    const res = ['Server', 'up', 'x-up', '1'];
    applyHeaderMutations(res, m.responseHeaderMutations);
    assert.deepEqual(res, ['x-up', '1', 'x-r', '1']);
  });

  it('invalid names, values and the Host header are refused at compile time', () => {
    assert.throws(() => compileHeaderMutation([{ name: 'bad name', value: 'v' }], [], 'request', 'w'), RouterConfigError);
    assert.throws(() => compileHeaderMutation([{ name: 'x', value: 'a\r\nb' }], [], 'request', 'w'), /CR, LF/);
    assert.throws(() => compileHeaderMutation([{ name: 'Host', value: 'h' }], [], 'request', 'w'), /host_rewrite_literal/);
    assert.throws(() => compileHeaderMutation([], [':path'], 'request', 'w'), RouterConfigError);
  });
});

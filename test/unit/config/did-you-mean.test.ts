import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { didYouMean, levenshtein } from '../../../src/config/did-you-mean.ts';
import { errorOf, MINIMAL } from './config-helpers.ts';

describe('did you mean', () => {
  it('computes edit distance', () => {
    assert.equal(levenshtein('kitten', 'sitting'), 3);
    assert.equal(levenshtein('', 'abc'), 3);
    assert.equal(levenshtein('same', 'same'), 0);
  });

  it('suggests the closest candidate for a typo', () => {
    assert.equal(didYouMean('conect_timeout', ['connect_timeout', 'dns_refresh_rate', 'endpoints']), 'connect_timeout');
    assert.equal(didYouMean('listners', ['admin', 'workers', 'listeners', 'clusters']), 'listeners');
  });

  it('treats camelCase, kebab-case and snake_case spellings as the same key', () => {
    assert.equal(didYouMean('connectTimeout', ['connect_timeout', 'lb_policy']), 'connect_timeout');
    assert.equal(didYouMean('lb-policy', ['connect_timeout', 'lb_policy']), 'lb_policy');
  });

  it('suggests nothing when no candidate is close', () => {
    assert.equal(didYouMean('banana', ['connect_timeout', 'endpoints']), undefined);
    assert.equal(didYouMean('x', []), undefined);
  });

  it('appears in unknown-field errors with the full field path', () => {
    const error = errorOf(MINIMAL.replace('    address: 127.0.0.1\n    port: 10000', '    adress: 127.0.0.1\n    port: 10000'));
    const issue = error.issues.find((i) => i.path === 'listeners[0].adress');
    assert.ok(issue, error.format());
    assert.match(issue.message, /unknown field \(did you mean "address"\?\)/);
  });

  it('lists the allowed keys when nothing is close', () => {
    const error = errorOf(`${MINIMAL}\nzzzzzz: 1\n`);
    const issue = error.issues.find((i) => i.path === 'zzzzzz');
    assert.ok(issue, error.format());
    assert.match(issue.message, /expected one of: admin, workers, drain_timeout, listeners, clusters/);
  });

  it('suggests enum values too', () => {
    const error = errorOf(MINIMAL.replace('  - name: backend\n', '  - name: backend\n    type: strict-dns\n'));
    assert.match(error.format(), /clusters\[0\]\.type: expected one of static, strict_dns or logical_dns, found "strict-dns" \(did you mean "strict_dns"\?\)/);
  });
});

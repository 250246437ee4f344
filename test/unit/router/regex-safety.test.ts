import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { regexProblem } from '../../../src/router/regex-safety.ts';

describe('route regex safety', () => {
  it('a repeated group that holds a repeat or an alternation is refused', () => {
    for (const p of ['(a+)+', '/(a*)*', '(a|aa)*', '(\\w+\\s?)+$', '((ab)+c)+', '(?:x+y){2,}', '(a{1,3})+?', '(a|b){30}', '((a|b)c)*']) {
      assert.match(regexProblem(p) ?? '', /exponential time/, p);
    }
  });

  it('what a backtracking engine runs in polynomial time is allowed', () => {
    for (const p of ['/api/.*', '.*a.*b', '/v[0-9]+/users/[0-9]+', '(a+)', '(a+)?', '(a|b)', '(ab){3}', '(a|b){1}', '/(v1|v2)/.*', '[(+]+', '\\(a+\\)+', 'a{2}b{1,}', '(a)(b)+', '{x}+']) {
      assert.equal(regexProblem(p), null, p);
    }
  });

  it('backreferences and lookaround are refused, as RE2 has neither', () => {
    assert.match(regexProblem('(a)\\1') ?? '', /backreferences/);
    assert.match(regexProblem('(?<n>a)\\k<n>') ?? '', /backreferences/);
    for (const p of ['(?=a)', '(?!a)', '(?<=a)b', '(?<!a)b']) assert.match(regexProblem(p) ?? '', /lookaround/, p);
    assert.equal(regexProblem('(?<name>a)(?:b)'), null);
  });

  it('the message quotes the group that repeats', () => {
    assert.match(regexProblem('/x(ab+)*y') ?? '', /the repeated group \(ab\+\)\* holds a repeat/);
  });
});

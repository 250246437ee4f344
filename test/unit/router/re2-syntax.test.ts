/** RE2 syntax in route regexes: rewritten where RegExp spells it differently, refused where it cannot. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compileSafeRegex, routeRegexProblem } from '../../../src/router/safe-regex.ts';

const matches = (pattern: string, input: string): boolean => compileSafeRegex(pattern, 'routes[0]', 'match.safe_regex').test(input);

describe('RE2 syntax in route regexes', () => {
  it('POSIX classes inside brackets match their characters, not the class name', () => {
    assert.equal(matches('/api/[[:digit:]]+', '/api/123'), true);
    assert.equal(matches('/api/[[:digit:]]+', '/api/:]'), false);
    assert.equal(matches('/[^[:space:][:upper:]]+', '/abc'), true);
    assert.equal(matches('/[^[:space:][:upper:]]+', '/aBc'), false);
  });

  it('\\A and \\z anchor, \\Q…\\E quotes', () => {
    assert.equal(matches('\\A/x\\z', '/x'), true);
    assert.equal(matches('/x\\z', '/xz'), false);
    assert.equal(matches('/a\\Q.(+)\\E', '/a.(+)'), true);
    assert.equal(matches('/a\\Q.\\E', '/ab'), false);
  });

  it('a leading (?i) makes the match case-insensitive, and (?P<name>…) names a group', () => {
    assert.equal(matches('(?i)/api/.*', '/API/x'), true);
    assert.equal(matches('/(?P<id>[0-9]+)', '/42'), true);
  });

  it('a ] first in a class is a literal, as in RE2', () => {
    assert.equal(matches('/[]a]', '/]'), true);
  });

  it('refuses what RegExp would read differently: \\p classes, inline flags later on, unknown POSIX classes', () => {
    assert.match(routeRegexProblem('/\\pL+') ?? '', /Unicode classes/);
    assert.match(routeRegexProblem('/a(?i)b') ?? '', /inline flags/);
    assert.match(routeRegexProblem('/[[:nope:]]') ?? '', /\[:nope:\] is not a character class/);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, MAX_DURATION_MS, parseDuration } from '../../../src/config/duration.ts';

function ms(input: unknown): number {
  const result = parseDuration(input);
  assert.ok(result.ok, `expected ${JSON.stringify(input)} to parse, got ${result.ok ? '' : result.message}`);
  return result.ms;
}

function message(input: unknown): string {
  const result = parseDuration(input);
  assert.ok(!result.ok, `expected ${JSON.stringify(input)} to be refused`);
  return result.message;
}

describe('durations', () => {
  it('converts ms, s, m and h to milliseconds', () => {
    assert.equal(ms('250ms'), 250);
    assert.equal(ms('5s'), 5000);
    assert.equal(ms('1m'), 60_000);
    assert.equal(ms('1h'), 3_600_000);
  });

  it('accepts fractions that come to whole milliseconds', () => {
    assert.equal(ms('1.5s'), 1500);
    assert.equal(ms('0.3s'), 300);
    assert.equal(ms('0.5m'), 30_000);
  });

  it('refuses fractions of a millisecond', () => {
    assert.match(message('1.5ms'), /whole number of milliseconds/);
  });

  it('accepts zero with or without a unit', () => {
    assert.equal(ms(0), 0);
    assert.equal(ms('0'), 0);
    assert.equal(ms('0s'), 0);
  });

  it('refuses a bare number and says to add a unit', () => {
    assert.match(message(5), /bare number 5 \(add a unit: 5s or 5ms\)/);
    assert.match(message('30'), /no unit \(add a unit: 30s or 30ms\)/);
  });

  it('refuses unknown units, spaces inside and negative values', () => {
    assert.match(message('5 s'), /found "5 s"/);
    assert.match(message('5d'), /expected a duration/);
    assert.match(message('-5s'), /found "-5s"/);
    assert.match(message(true), /found true/);
  });

  it('refuses durations a timer cannot wait for', () => {
    assert.equal(ms('596h'), 596 * 3_600_000);
    assert.match(message('597h'), /at most/);
    assert.ok(MAX_DURATION_MS === 2 ** 31 - 1);
  });

  it('formats milliseconds in the largest exact unit', () => {
    assert.equal(formatDuration(0), '0s');
    assert.equal(formatDuration(250), '250ms');
    assert.equal(formatDuration(30_000), '30s');
    assert.equal(formatDuration(90_000), '90s');
    assert.equal(formatDuration(120_000), '2m');
    assert.equal(formatDuration(7_200_000), '2h');
  });
});

/** Duration strings (`250ms`, `1.5s`, `1m`, `1h`) to whole milliseconds. */

import { expectation } from './describe.ts';

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION_RE = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/;

/** Timers cannot wait longer than this: `setTimeout` fires at once for larger delays. */
export const MAX_DURATION_MS = 2_147_483_647;

/** What a duration should look like, for error messages. */
export const DURATION_EXPECTED = 'expected a duration such as 250ms, 5s, 1.5m or 1h';

/** The parsed milliseconds, or an error message saying what was wrong with `input`. */
export type DurationResult = { ok: true; ms: number } | { ok: false; message: string };

/**
 * Parse a duration. Bare numbers are refused (is `5` seconds or milliseconds?) except `0`,
 * which means the same in every unit. Fractions are allowed as long as the result is a whole
 * number of milliseconds.
 */
export function parseDuration(input: unknown): DurationResult {
  if (input === 0 || input === '0') return { ok: true, ms: 0 };
  if (typeof input === 'number') {
    return { ok: false, message: `${DURATION_EXPECTED}, found the bare number ${input} (add a unit: ${input}s or ${input}ms)` };
  }
  if (typeof input !== 'string') return { ok: false, message: expectation(DURATION_EXPECTED, input) };
  const trimmed = input.trim();
  const match = DURATION_RE.exec(trimmed);
  if (match === null) {
    if (/^\d+(?:\.\d+)?$/.test(trimmed)) {
      return { ok: false, message: `${DURATION_EXPECTED}, found "${input}" with no unit (add a unit: ${trimmed}s or ${trimmed}ms)` };
    }
    return { ok: false, message: `${DURATION_EXPECTED}, found "${input}"` };
  }
  const amount = Number(match[1]);
  const unit = UNIT_MS[match[2] ?? ''] ?? 1;
  const ms = amount * unit;
  // Multiplying a decimal fraction is inexact (0.3 * 1000 = 300.00000000000006).
  const rounded = Math.round(ms);
  if (Math.abs(ms - rounded) > 1e-6) {
    return { ok: false, message: `expected a whole number of milliseconds, found "${input}" (${ms}ms)` };
  }
  if (rounded > MAX_DURATION_MS) {
    return { ok: false, message: `expected a duration of at most ${formatDuration(MAX_DURATION_MS)}, found "${input}"` };
  }
  return { ok: true, ms: rounded };
}

/** Milliseconds in the largest unit that divides them exactly (`30000` → `30s`), for messages and dumps. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** Defaults and sanity checks for health check and outlier detection settings (Envoy's defaults). */
import { HealthConfigError } from './errors.ts';
import type { HealthCheckConfig, OutlierDetectionConfig, StatusRange } from './types.ts';

/** 2xx. Envoy's own default is 200 only; the project asks for any 2xx. */
export const DEFAULT_EXPECTED_STATUSES: readonly StatusRange[] = [{ start: 200, end: 300 }];

/** Envoy's outlier detection defaults, except gateway-failure enforcement (see types.ts). */
export const OUTLIER_DEFAULTS: Readonly<Required<OutlierDetectionConfig>> = {
  consecutive5xx: 5,
  consecutiveGatewayFailure: 5,
  intervalMs: 10_000,
  baseEjectionTimeMs: 30_000,
  maxEjectionTimeMs: 300_000,
  maxEjectionPercent: 10,
  enforcingConsecutive5xx: 100,
  enforcingConsecutiveGatewayFailure: 100,
  alwaysEjectOneHost: false,
};

/**
 * Fills unset outlier fields. As in Envoy, an unset `maxEjectionTimeMs` is
 * max(300 s, baseEjectionTimeMs).
 */
export function resolveOutlierConfig(partial: Partial<OutlierDetectionConfig>): Required<OutlierDetectionConfig> {
  const base = partial.baseEjectionTimeMs ?? OUTLIER_DEFAULTS.baseEjectionTimeMs;
  const resolved: Required<OutlierDetectionConfig> = {
    consecutive5xx: partial.consecutive5xx ?? OUTLIER_DEFAULTS.consecutive5xx,
    consecutiveGatewayFailure: partial.consecutiveGatewayFailure ?? OUTLIER_DEFAULTS.consecutiveGatewayFailure,
    intervalMs: partial.intervalMs ?? OUTLIER_DEFAULTS.intervalMs,
    baseEjectionTimeMs: base,
    maxEjectionTimeMs: partial.maxEjectionTimeMs ?? Math.max(OUTLIER_DEFAULTS.maxEjectionTimeMs, base),
    maxEjectionPercent: partial.maxEjectionPercent ?? OUTLIER_DEFAULTS.maxEjectionPercent,
    enforcingConsecutive5xx: partial.enforcingConsecutive5xx ?? OUTLIER_DEFAULTS.enforcingConsecutive5xx,
    enforcingConsecutiveGatewayFailure:
      partial.enforcingConsecutiveGatewayFailure ?? OUTLIER_DEFAULTS.enforcingConsecutiveGatewayFailure,
    alwaysEjectOneHost: partial.alwaysEjectOneHost ?? OUTLIER_DEFAULTS.alwaysEjectOneHost,
  };
  validateOutlierConfig(resolved);
  return resolved;
}

function positiveInt(field: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new HealthConfigError(field, `expected an integer >= 1, got ${v}`);
}

function nonNegativeInt(field: string, v: number): void {
  if (!Number.isInteger(v) || v < 0) throw new HealthConfigError(field, `expected an integer >= 0, got ${v}`);
}

function percent(field: string, v: number): void {
  if (!(v >= 0 && v <= 100)) throw new HealthConfigError(field, `expected a percentage 0..100, got ${v}`);
}

export function validateOutlierConfig(c: Required<OutlierDetectionConfig>): void {
  // 0 turns the rule off (the count that ejects is never reached), as the config documents.
  nonNegativeInt('consecutive5xx', c.consecutive5xx);
  nonNegativeInt('consecutiveGatewayFailure', c.consecutiveGatewayFailure);
  positiveInt('intervalMs', c.intervalMs);
  positiveInt('baseEjectionTimeMs', c.baseEjectionTimeMs);
  positiveInt('maxEjectionTimeMs', c.maxEjectionTimeMs);
  percent('maxEjectionPercent', c.maxEjectionPercent);
  percent('enforcingConsecutive5xx', c.enforcingConsecutive5xx);
  percent('enforcingConsecutiveGatewayFailure', c.enforcingConsecutiveGatewayFailure);
  // Envoy refuses this combination too.
  if (c.maxEjectionTimeMs < c.baseEjectionTimeMs) {
    throw new HealthConfigError('maxEjectionTimeMs', 'cannot be smaller than baseEjectionTimeMs');
  }
}

export function validateHealthCheckConfig(c: HealthCheckConfig): void {
  if (!c.path.startsWith('/') || /[\s\x00-\x1f\x7f]/.test(c.path)) {
    throw new HealthConfigError('path', `expected an absolute path without spaces or controls, got ${JSON.stringify(c.path)}`);
  }
  if (c.host !== undefined && (c.host === '' || /[\s\x00-\x1f\x7f]/.test(c.host))) {
    throw new HealthConfigError('host', `not a valid Host header value: ${JSON.stringify(c.host)}`);
  }
  positiveInt('intervalMs', c.intervalMs);
  positiveInt('timeoutMs', c.timeoutMs);
  positiveInt('unhealthyThreshold', c.unhealthyThreshold);
  positiveInt('healthyThreshold', c.healthyThreshold);
  if (!Number.isInteger(c.intervalJitterMs) || c.intervalJitterMs < 0) {
    throw new HealthConfigError('intervalJitterMs', `expected an integer >= 0, got ${c.intervalJitterMs}`);
  }
  for (const [i, r] of c.expectedStatuses.entries()) {
    // Envoy: ranges within [100, 600), start < end.
    if (!(Number.isInteger(r.start) && Number.isInteger(r.end) && r.start >= 100 && r.end <= 600 && r.start < r.end)) {
      throw new HealthConfigError(`expectedStatuses[${i}]`, `expected 100 <= start < end <= 600, got [${r.start}, ${r.end})`);
    }
  }
}

/** True when `status` falls in one of the half-open ranges (the defaults when `ranges` is empty). */
export function statusExpected(status: number, ranges: readonly StatusRange[]): boolean {
  const list = ranges.length === 0 ? DEFAULT_EXPECTED_STATUSES : ranges;
  for (const r of list) if (status >= r.start && status < r.end) return true;
  return false;
}

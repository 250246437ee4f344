/**
 * How one upstream request ended, for outlier detection, as a small integer so the worker's hot
 * path records it without allocating. Mirrors Envoy with split_external_local_origin_errors off:
 * local-origin failures (connect failure, reset, timeout) count as gateway failures, which are
 * also 5xx.
 */

/** Any non-5xx response: resets both consecutive counters. */
export const OUTCOME_SUCCESS = 0;
/** A 5xx that is not a gateway error (500, 501, 505, ...). */
export const OUTCOME_5XX = 1;
/** 502, 503, 504, or a local-origin failure (connect failure, reset, upstream timeout). */
export const OUTCOME_GATEWAY_FAILURE = 2;

/** One of the three `OUTCOME_*` values. */
export type OutlierOutcome = typeof OUTCOME_SUCCESS | typeof OUTCOME_5XX | typeof OUTCOME_GATEWAY_FAILURE;

/** The outcome an upstream response status stands for. */
export function outcomeOfStatus(status: number): OutlierOutcome {
  if (status < 500 || status > 599) return OUTCOME_SUCCESS;
  return status === 502 || status === 503 || status === 504 ? OUTCOME_GATEWAY_FAILURE : OUTCOME_5XX;
}

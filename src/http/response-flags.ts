/** Envoy's response flags as bits of one number, so a request carries several in a single field. */

/**
 * Flag bits, in Envoy's order (which is also the order `formatResponseFlags` prints them).
 * Combine with `|`: `ResponseFlag.UF | ResponseFlag.URX`.
 */
export const ResponseFlag = {
  /** Failed local health check. */
  LH: 1 << 0,
  /** No healthy upstream host. */
  UH: 1 << 1,
  /** Upstream request timeout. */
  UT: 1 << 2,
  /** Local reset (the proxy reset the stream). */
  LR: 1 << 3,
  /** Upstream remote reset. */
  UR: 1 << 4,
  /** Upstream connection failure. */
  UF: 1 << 5,
  /** Upstream connection termination. */
  UC: 1 << 6,
  /** Upstream overflow (circuit breaker or pending queue). */
  UO: 1 << 7,
  /** No route found. */
  NR: 1 << 8,
  /** Downstream connection termination (client went away). */
  DC: 1 << 9,
  /** Upstream retry limit exceeded. */
  URX: 1 << 10,
  /** Stream idle timeout. */
  SI: 1 << 11,
  /** Downstream protocol error. */
  DPE: 1 << 12,
  /** Request duration timeout. */
  DT: 1 << 13,
  /** Upstream protocol error. */
  UPE: 1 << 14,
  /** No cluster found for the route. */
  NC: 1 << 15,
} as const;

/** A flag's short name (`UF`). */
export type ResponseFlagName = keyof typeof ResponseFlag;

/** A set of response flags: bitwise OR of `ResponseFlag` values; 0 is none. */
export type ResponseFlags = number;

export const NO_FLAGS: ResponseFlags = 0;

const ORDER = Object.keys(ResponseFlag) as ResponseFlagName[];
// Requests mostly repeat a handful of combinations; the cache is bounded by the flags that occur.
const formatted = new Map<number, string>([[0, '-']]);

/** True when `flags` has `flag`. */
export function hasFlag(flags: ResponseFlags, flag: number): boolean {
  return (flags & flag) !== 0;
}

/** Envoy's `%RESPONSE_FLAGS%`: names joined by ',' (`UF,URX`), or '-' for none. */
export function formatResponseFlags(flags: ResponseFlags): string {
  const cached = formatted.get(flags);
  if (cached !== undefined) return cached;
  const names: string[] = [];
  for (const name of ORDER) if ((flags & ResponseFlag[name]) !== 0) names.push(name);
  const s = names.length === 0 ? '-' : names.join(',');
  formatted.set(flags, s);
  return s;
}

/** The names in `flags`, in Envoy's order. */
export function responseFlagNames(flags: ResponseFlags): ResponseFlagName[] {
  return ORDER.filter((name) => (flags & ResponseFlag[name]) !== 0);
}

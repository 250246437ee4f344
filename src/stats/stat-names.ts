/** Naming of stats that are not Envoy /stats entries: per-host stats live under a hidden prefix. */

/**
 * Envoy keeps host stats out of /stats and shows them in /clusters only. We store them in the
 * same shared slots (so main can read them) under this prefix; /admin/stats should skip names
 * for which `isHostStatName` is true.
 */
export const HOST_STAT_PREFIX = 'hoststats.';

/** `hoststats.<cluster>::<hostKey>::<stat>`, e.g. `hoststats.backend::127.0.0.1:9001::cx_active`. */
export function hostStatName(cluster: string, hostKey: string, stat: string): string {
  return `${HOST_STAT_PREFIX}${cluster}::${hostKey}::${stat}`;
}

export function isHostStatName(name: string): boolean {
  return name.startsWith(HOST_STAT_PREFIX);
}

/** Splits a host stat name; undefined for any other name. */
export function parseHostStatName(
  name: string,
): { cluster: string; hostKey: string; stat: string } | undefined {
  if (!isHostStatName(name)) return undefined;
  const rest = name.slice(HOST_STAT_PREFIX.length);
  const first = rest.indexOf('::');
  const last = rest.lastIndexOf('::');
  if (first < 0 || last <= first) return undefined;
  return {
    cluster: rest.slice(0, first),
    hostKey: rest.slice(first + 2, last),
    stat: rest.slice(last + 2),
  };
}

/** `cluster.<name>.` — the prefix of a cluster's Envoy stats. */
export function clusterStatPrefix(cluster: string): string {
  return `cluster.${cluster}.`;
}

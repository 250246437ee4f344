/** A host's health flags as carried in snapshots; a host is a candidate only when none is set. */

/** Field names follow Envoy's /clusters `health_status` JSON. */
export interface HostHealth {
  /** Active HTTP health checking marked it unhealthy. */
  failedActiveHealthCheck: boolean;
  /** Passive outlier detection ejected it. */
  failedOutlierCheck: boolean;
}

export const HEALTHY: Readonly<HostHealth> = Object.freeze({
  failedActiveHealthCheck: false,
  failedOutlierCheck: false,
});

export function isHealthy(h: HostHealth): boolean {
  return !h.failedActiveHealthCheck && !h.failedOutlierCheck;
}

export function sameHealth(a: HostHealth, b: HostHealth): boolean {
  return (
    a.failedActiveHealthCheck === b.failedActiveHealthCheck &&
    a.failedOutlierCheck === b.failedOutlierCheck
  );
}

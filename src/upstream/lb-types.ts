/** What load balancers choose from, and what they return when nothing can be chosen. */

/** A host as a load balancer sees it. */
export interface LbHost {
  readonly key: string;
  readonly weight: number;
  /** Not failed by active health checks and not ejected by outlier detection. */
  readonly healthy: boolean;
  /** Requests in flight to it from this worker (least request). */
  readonly activeRequests: number;
}

/** "No healthy upstream": the request path answers 503 with flag UH. */
export interface NoHealthyHost {
  readonly kind: 'no_healthy_host';
  readonly flag: 'UH';
}

export const NO_HEALTHY_HOST: NoHealthyHost = Object.freeze({ kind: 'no_healthy_host', flag: 'UH' });

/** Per-pick hints. */
export interface LbContext<H extends LbHost> {
  /** Hosts already tried by this request (retries): avoided when another healthy host exists. */
  avoid?: readonly H[];
}

/** Chooses a host per request; one instance per worker and cluster, rebuilt when hosts change. */
export interface LoadBalancer<H extends LbHost> {
  chooseHost(context?: LbContext<H>): H | NoHealthyHost;
}

/** Healthy hosts minus `avoid`, or all healthy hosts when that would leave none. */
export function candidates<H extends LbHost>(healthy: readonly H[], context?: LbContext<H>): readonly H[] {
  const avoid = context?.avoid;
  if (!avoid || avoid.length === 0) return healthy;
  const rest = healthy.filter((h) => !avoid.includes(h));
  return rest.length > 0 ? rest : healthy;
}

/** Weighted random pick from `hosts` (weights ≥ 1), skipping index `skip`. */
export function weightedIndex(
  hosts: readonly LbHost[],
  random: () => number,
  skip = -1,
): number {
  let total = 0;
  for (let i = 0; i < hosts.length; i++) if (i !== skip) total += hosts[i]!.weight;
  let r = random() * total;
  let last = -1;
  for (let i = 0; i < hosts.length; i++) {
    if (i === skip) continue;
    last = i;
    r -= hosts[i]!.weight;
    if (r < 0) return i;
  }
  return last;
}

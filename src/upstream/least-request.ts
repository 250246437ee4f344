/** Least request: power of two choices over in-flight requests, normalised by weight. */
import { candidates, NO_HEALTHY_HOST, weightedIndex } from './lb-types.ts';
import type { LbContext, LbHost, LoadBalancer, NoHealthyHost } from './lb-types.ts';

/**
 * Two distinct hosts are drawn at random in proportion to weight, and the one with fewer
 * active requests per unit of weight wins (ties go to the first draw, so idle hosts share
 * traffic by weight). Active counts are this worker's own.
 */
export class LeastRequestLb<H extends LbHost> implements LoadBalancer<H> {
  private readonly hosts: readonly H[];
  private readonly random: () => number;

  constructor(hosts: readonly H[], random: () => number) {
    this.hosts = hosts.filter((h) => h.healthy);
    this.random = random;
  }

  chooseHost(context?: LbContext<H>): H | NoHealthyHost {
    const pool = candidates(this.hosts, context);
    const n = pool.length;
    if (n === 0) return NO_HEALTHY_HOST;
    if (n === 1) return pool[0]!;
    const i = weightedIndex(pool, this.random);
    const j = weightedIndex(pool, this.random, i);
    const a = pool[i]!;
    const b = pool[j]!;
    return b.activeRequests / b.weight < a.activeRequests / a.weight ? b : a;
  }
}

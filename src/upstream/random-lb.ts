/** Random load balancing, in proportion to host weight. */
import { candidates, NO_HEALTHY_HOST, weightedIndex } from './lb-types.ts';
import type { LbContext, LbHost, LoadBalancer, NoHealthyHost } from './lb-types.ts';

export class RandomLb<H extends LbHost> implements LoadBalancer<H> {
  private readonly hosts: readonly H[];
  private readonly random: () => number;

  constructor(hosts: readonly H[], random: () => number) {
    this.hosts = hosts.filter((h) => h.healthy);
    this.random = random;
  }

  chooseHost(context?: LbContext<H>): H | NoHealthyHost {
    const pool = candidates(this.hosts, context);
    if (pool.length === 0) return NO_HEALTHY_HOST;
    return pool[weightedIndex(pool, this.random)]!;
  }
}

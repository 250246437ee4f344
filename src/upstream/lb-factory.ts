/** Builds a cluster's load balancer from its policy. */
import { LeastRequestLb } from './least-request.ts';
import type { LbHost, LoadBalancer } from './lb-types.ts';
import { RandomLb } from './random-lb.ts';
import { RoundRobinLb } from './round-robin.ts';
import type { LbPolicy } from './types.ts';

export function createLoadBalancer<H extends LbHost>(
  policy: LbPolicy,
  hosts: readonly H[],
  random: () => number,
): LoadBalancer<H> {
  switch (policy) {
    case 'round_robin': return new RoundRobinLb(hosts);
    case 'least_request': return new LeastRequestLb(hosts, random);
    case 'random': return new RandomLb(hosts, random);
  }
}

/** Smooth weighted round robin (nginx's algorithm) that avoids picking a host twice in a row. */
import { NO_HEALTHY_HOST } from './lb-types.ts';
import type { LbContext, LbHost, LoadBalancer, NoHealthyHost } from './lb-types.ts';

/**
 * Each pick adds every candidate's weight to its running score and takes the highest score,
 * which then pays back the candidates' total weight: over `total` picks each host is chosen
 * exactly `weight` times. The host picked last is skipped unless it is owed a full round
 * (score ≥ total), so weights like 1/2/3 interleave (C B C A B C) instead of repeating.
 * State is per worker: strict rotation holds within one worker only (DESIGN §2).
 */
export class RoundRobinLb<H extends LbHost> implements LoadBalancer<H> {
  private readonly hosts: readonly H[];
  private readonly score: Float64Array;
  private readonly blocked: Uint8Array;
  private last = -1;

  constructor(hosts: readonly H[]) {
    this.hosts = hosts.filter((h) => h.healthy);
    this.score = new Float64Array(this.hosts.length);
    this.blocked = new Uint8Array(this.hosts.length);
  }

  chooseHost(context?: LbContext<H>): H | NoHealthyHost {
    const hosts = this.hosts;
    const n = hosts.length;
    if (n === 0) return NO_HEALTHY_HOST;
    if (n === 1) return hosts[0]!;
    const blocked = this.blocked;
    blocked.fill(0);
    const avoid = context?.avoid;
    if (avoid && avoid.length > 0) {
      let left = n;
      for (let i = 0; i < n; i++) {
        if (avoid.includes(hosts[i]!)) {
          blocked[i] = 1;
          left--;
        }
      }
      // Every healthy host was tried already: any of them beats no answer.
      if (left === 0) blocked.fill(0);
    }

    const score = this.score;
    let total = 0;
    let count = 0;
    for (let i = 0; i < n; i++) {
      if (blocked[i]) continue;
      score[i]! += hosts[i]!.weight;
      total += hosts[i]!.weight;
      count++;
    }
    const last = this.last;
    let best = -1;
    if (last >= 0 && !blocked[last] && score[last]! >= total) {
      best = last;
    } else {
      for (let i = 0; i < n; i++) {
        if (blocked[i] || (i === last && count > 1)) continue;
        if (best < 0 || score[i]! > score[best]!) best = i;
      }
    }
    score[best]! -= total;
    this.last = best;
    return hosts[best]!;
  }
}

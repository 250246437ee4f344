/** Periodic DNS resolution of a strict_dns / logical_dns cluster's endpoints into hosts. */
import type { Clock, Timer } from '../common/clock.ts';
import { hostKey } from './host-key.ts';
import type { ClusterConfig } from './types.ts';

/** The adapter's `resolve`: every address of a name. */
export type ResolveFn = (hostname: string) => Promise<string[]>;

/** A host produced by resolution (health is added by the cluster manager). */
export interface ResolvedHost {
  key: string;
  address: string;
  port: number;
  weight: number;
  hostname: string;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** IP literals are used as they are, without asking the resolver. */
export function isIpLiteral(address: string): boolean {
  return IPV4.test(address) || address.includes(':');
}

/**
 * strict_dns: every address of every endpoint is a host (`address:port`). logical_dns: one host
 * per cluster, keyed by `hostname:port` so its pools survive address changes; new connections go
 * to the first address of the latest answer. A failed lookup keeps that endpoint's previous hosts
 * (as Envoy does); an empty answer removes them.
 */
export class DnsRefresher {
  private readonly config: ClusterConfig;
  private readonly resolve: ResolveFn;
  private readonly clock: Clock;
  private readonly onHosts: (hosts: ResolvedHost[]) => void;
  private readonly perEndpoint: (ResolvedHost[] | undefined)[];
  private timer: Timer | null = null;
  private stopped = false;

  constructor(
    config: ClusterConfig,
    resolve: ResolveFn,
    clock: Clock,
    onHosts: (hosts: ResolvedHost[]) => void,
  ) {
    this.config = config;
    this.resolve = resolve;
    this.clock = clock;
    this.onHosts = onHosts;
    const endpoints = config.type === 'logical_dns' ? config.endpoints.slice(0, 1) : config.endpoints;
    this.perEndpoint = endpoints.map(() => undefined);
  }

  /** Resolve now, then every `dnsRefreshRateMs`. The promise settles after the first round. */
  start(): Promise<void> {
    return this.round();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) {
      this.timer.cancel();
      this.timer = null;
    }
  }

  private async round(): Promise<void> {
    const logical = this.config.type === 'logical_dns';
    const endpoints = this.config.endpoints.slice(0, this.perEndpoint.length);
    const results = await Promise.allSettled(
      endpoints.map((e) => (isIpLiteral(e.address) ? Promise.resolve([e.address]) : this.resolve(e.address))),
    );
    if (this.stopped) return;
    results.forEach((r, i) => {
      if (r.status === 'rejected') return;
      const e = endpoints[i]!;
      const addresses = logical ? r.value.slice(0, 1) : r.value;
      this.perEndpoint[i] = addresses.map((address) => ({
        key: logical ? hostKey(e.address, e.port) : hostKey(address, e.port),
        address,
        port: e.port,
        weight: e.weight,
        hostname: e.address,
      }));
    });
    const seen = new Set<string>();
    const hosts: ResolvedHost[] = [];
    for (const list of this.perEndpoint) {
      for (const h of list ?? []) {
        if (seen.has(h.key)) continue;
        seen.add(h.key);
        hosts.push(h);
      }
    }
    this.onHosts(hosts);
    if (!this.stopped) {
      this.timer = this.clock.setTimer(this.config.dnsRefreshRateMs, () => {
        this.timer = null;
        void this.round();
      });
    }
  }
}

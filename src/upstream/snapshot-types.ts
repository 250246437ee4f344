/** The immutable, structured-clone-able cluster state main publishes to workers. */
import type { HostHealth } from './host-health.ts';
import type { CircuitBreakerLimits, ClusterType, LbPolicy } from './types.ts';

/** One host of a cluster. `key` is its identity across snapshots (pools survive while it stays). */
export interface HostSnapshot {
  /** `address:port`, or for logical_dns `hostname:port` (the address may change under it). */
  key: string;
  /** The IP (or name) to connect to. */
  address: string;
  port: number;
  weight: number;
  health: HostHealth;
  /** The configured name it was resolved from (DNS clusters). */
  hostname?: string;
}

export interface ClusterSnapshot {
  name: string;
  type: ClusterType;
  lbPolicy: LbPolicy;
  connectTimeoutMs: number;
  idleTimeoutMs: number;
  maxRequestsPerConnection: number;
  circuitBreakers: CircuitBreakerLimits;
  /** Occupancy counters shared by every worker (see circuit-breakers.ts for the layout). */
  breakerBuffer: SharedArrayBuffer;
  hosts: HostSnapshot[];
}

export interface ClusterManagerSnapshot {
  /** Bumped by each `applyConfig`. */
  generation: number;
  /** Bumped by every change (config, DNS, health). Workers may ignore a version they have seen. */
  version: number;
  clusters: ClusterSnapshot[];
}

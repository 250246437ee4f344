/** Everything a downstream connection reads from its listener for one config generation. */
import type { Clock } from '../common/clock.ts';
import type { TimeoutLists } from '../common/timeout-list.ts';
import type { Router } from '../router/router.ts';
import type { RequestParserOptions } from '../http1/types.ts';
import type { AccessLogger } from './access-log.ts';
import type { ListenerStats } from './listener-stats.ts';
import type { ClusterLookup } from './upstream-cluster.ts';

export interface ListenerContext {
  readonly name: string;
  readonly workerId: number;
  readonly router: Router;
  readonly clusters: ClusterLookup;
  readonly clock: Clock;
  /** Wall-clock epoch ms, for access-log start times. */
  readonly wallNow: () => number;
  readonly stats: ListenerStats;
  readonly accessLog: AccessLogger | null;
  readonly parserOptions: RequestParserOptions;
  readonly requestHeadersTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly streamIdleTimeoutMs: number;
  /** Value of the `via` header we add, or null. */
  readonly via: string | null;
  /** A fresh x-request-id. */
  readonly newRequestId: () => string;
  readonly random: () => number;
  /** The worker's route-timeout lists, one per duration. */
  readonly timeouts: TimeoutLists;
}

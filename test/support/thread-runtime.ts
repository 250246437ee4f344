/** A worker runtime on the calling thread (no worker thread): for tests and profiling, where one thread is wanted. */
import type { ParentPort, RuntimeAdapter } from '../../runtime-adapters/types.ts';
import type { ProxyConfig } from '../../src/config/types.ts';
import { ClusterManager } from '../../src/upstream/cluster-manager.ts';
import { realClock } from '../../src/common/clock.ts';
import { toUpstreamCluster } from '../../src/wiring/config-mapping.ts';
import { WorkerRuntime } from '../../src/worker/worker-runtime.ts';

export interface ThreadRuntime {
  readonly runtime: WorkerRuntime;
  /** Main's cluster manager that fed it (a test drives reloads through it). */
  readonly clusterManager: ClusterManager;
  /** Stop the runtime and the cluster manager that fed it. */
  stop(): Promise<void>;
}

/** Main's cluster manager and one worker runtime (worker 0 of 1) fed from it, started. */
export async function startRuntimeOnThisThread(adapter: RuntimeAdapter, config: ProxyConfig, port: ParentPort): Promise<ThreadRuntime> {
  const cm = new ClusterManager(config.clusters.map(toUpstreamCluster), { clock: realClock(() => adapter.now()) });
  await cm.initialize();
  const runtime = new WorkerRuntime(adapter, port, {
    t: 'init',
    workerId: 0,
    workerCount: 1,
    incarnation: 0,
    snapshot: { generation: 0, config, clusters: cm.snapshot() },
    options: { logLevel: 'warn', logFormat: 'human' },
  });
  await runtime.start();
  return {
    runtime,
    clusterManager: cm,
    async stop(): Promise<void> {
      await runtime.stop();
      cm.close();
    },
  };
}

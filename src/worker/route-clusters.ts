/** Presents a worker's ThreadLocalClusterManager to the request path (host refs with outlier reporting). */
import type { ThreadLocalClusterManager } from '../upstream/thread-local-cluster-manager.ts';
import type { ThreadLocalCluster } from '../upstream/thread-local-cluster.ts';
import type { WorkerHost } from '../upstream/host.ts';
import type { UpstreamProtocol } from '../upstream/types.ts';
import { NO_HEALTHY_HOST } from '../upstream/lb-types.ts';
import { RETRIES } from '../upstream/circuit-breakers.ts';
import type { OutlierReporter } from '../health/outlier-reporter.ts';
import type { ClusterLookup, RequestPool, RouteCluster, UpstreamHostRef } from '../http/upstream-cluster.ts';
import type { HostStats } from '../upstream/host-stats.ts';

/** A worker host plus its outlier-reporting handle; one per WorkerHost, made on first use. */
class HostRef implements UpstreamHostRef {
  readonly host: WorkerHost;
  private readonly reporter: OutlierReporter | null;
  private readonly handle: ReturnType<OutlierReporter['register']> | null;

  constructor(host: WorkerHost, reporter: OutlierReporter | null) {
    this.host = host;
    this.reporter = reporter;
    this.handle = reporter ? reporter.register(host.cluster, host.key) : null;
  }

  get key(): string {
    return this.host.key;
  }

  get stats(): HostStats {
    return this.host.stats;
  }

  reportStatus(status: number): void {
    if (this.handle) this.reporter!.recordStatus(this.handle, status);
  }

  reportLocalFailure(): void {
    if (this.handle) this.reporter!.recordLocalFailure(this.handle);
  }
}

class WorkerRouteCluster implements RouteCluster {
  private readonly tlc: ThreadLocalCluster;
  private readonly refs = new WeakMap<WorkerHost, HostRef>();
  private readonly reporter: OutlierReporter | null;
  private readonly avoid: WorkerHost[] = [];
  readonly forceHttp10: boolean;

  constructor(tlc: ThreadLocalCluster, reporter: OutlierReporter | null, forceHttp10: boolean) {
    this.tlc = tlc;
    this.reporter = reporter;
    this.forceHttp10 = forceHttp10;
  }

  get name(): string {
    return this.tlc.name;
  }

  get stats() {
    return this.tlc.stats;
  }

  chooseHost(avoid: UpstreamHostRef | null): UpstreamHostRef | null {
    let picked: WorkerHost | typeof NO_HEALTHY_HOST;
    if (avoid) {
      this.avoid[0] = (avoid as HostRef).host;
      picked = this.tlc.chooseHost({ avoid: this.avoid });
      this.avoid.length = 0;
    } else {
      picked = this.tlc.chooseHost();
    }
    if (picked === NO_HEALTHY_HOST) return null;
    const host = picked as WorkerHost;
    let ref = this.refs.get(host);
    if (!ref) {
      ref = new HostRef(host, this.reporter);
      this.refs.set(host, ref);
    }
    return ref;
  }

  pool(host: UpstreamHostRef, protocol: UpstreamProtocol): RequestPool {
    return this.tlc.pool((host as HostRef).host, protocol);
  }

  tryAcquireRetry(): boolean {
    return this.tlc.breakers.tryAcquire(RETRIES);
  }

  releaseRetry(): void {
    this.tlc.breakers.release(RETRIES);
  }
}

/** Cluster lookup by name; wrappers are cached per ThreadLocalCluster so requests allocate nothing. */
export class WorkerClusterLookup implements ClusterLookup {
  private readonly tlcm: ThreadLocalClusterManager;
  private readonly reporter: OutlierReporter | null;
  private readonly wrappers = new WeakMap<ThreadLocalCluster, WorkerRouteCluster>();
  private http10 = new Set<string>();

  constructor(tlcm: ThreadLocalClusterManager, reporter: OutlierReporter | null) {
    this.tlcm = tlcm;
    this.reporter = reporter;
  }

  /** Clusters whose config says `protocol: http/1.0`. */
  setHttp10Clusters(names: Iterable<string>): void {
    this.http10 = new Set(names);
  }

  get(name: string): RouteCluster | undefined {
    const tlc = this.tlcm.getCluster(name);
    if (!tlc) return undefined;
    let w = this.wrappers.get(tlc);
    if (!w || w.forceHttp10 !== this.http10.has(name)) {
      w = new WorkerRouteCluster(tlc, this.reporter, this.http10.has(name));
      this.wrappers.set(tlc, w);
    }
    return w;
  }
}

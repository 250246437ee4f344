/** Errors the upstream core raises on misuse. */
import { ProxyError } from '../common/errors.ts';

/** A pool was asked for on a host that is no longer in its cluster (choose and take it in one go). */
export class HostRemovedError extends ProxyError {
  constructor(cluster: string, key: string) {
    super('HOST_REMOVED', `host ${key} is no longer in cluster '${cluster}'`);
    this.name = 'HostRemovedError';
  }
}

/** Config settings the runtime underneath cannot apply: said at every load instead of dropped in silence. */
import type { RuntimeAdapter } from '../../runtime-adapters/types.ts';
import type { ProxyConfig } from '../config/types.ts';

/** One sentence per setting that has no effect on this runtime, naming the field and why. */
export function unhonouredSettings(config: ProxyConfig, runtime: Pick<RuntimeAdapter, 'name' | 'fixedAcceptQueue'>): string[] {
  const fixed = runtime.fixedAcceptQueue;
  if (fixed === null) return [];
  const out: string[] = [];
  config.listeners.forEach((l, i) => {
    if (l.tcpBacklogSize !== null && l.tcpBacklogSize !== fixed) {
      out.push(
        `listeners[${i}].tcp_backlog_size: ${l.tcpBacklogSize} is not applied on ${runtime.name}, ` +
          `which always asks the kernel for an accept queue of ${fixed} (listener ${l.name})`,
      );
    }
  });
  return out;
}

/**
 * Settings a reload cannot change, because they are read once at start (the admin socket, the
 * worker threads): one sentence per change between `running` and `next`. The running values stay;
 * `adminPort` is the admin's bound port (the config may say 0).
 */
export function restartOnlyChanges(running: ProxyConfig, next: ProxyConfig, adminPort: number): string[] {
  const out: string[] = [];
  const a = running.admin;
  const b = next.admin;
  if (a.address !== b.address || a.port !== b.port) {
    out.push(`admin: ${b.address}:${b.port} applies on restart; the admin endpoint stays on ${a.address}:${adminPort}`);
  }
  if (running.workers !== next.workers) {
    out.push(`workers: ${next.workers} applies on restart; the proxy keeps its ${running.workers} worker setting`);
  }
  return out;
}

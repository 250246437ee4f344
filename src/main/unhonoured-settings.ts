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

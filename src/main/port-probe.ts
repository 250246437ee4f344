/**
 * Checks, before the workers bind, that no other program holds a listener's port. The workers
 * bind with SO_REUSEPORT, which the kernel also grants to a second proxy of the same user: that
 * one would silently take a share of the connections. A bind without it fails instead.
 */
import type { RuntimeAdapter } from '../../runtime-adapters/types.ts';
import { ProxyError } from '../common/errors.ts';
import type { ListenerConfig } from '../config/types.ts';

/** A socket the proxy must listen on cannot be bound; `where` names it (`listeners[0] (ingress)`, `admin`). */
export class ListenError extends ProxyError {
  constructor(where: string, message: string, options?: { cause?: unknown }) {
    super('LISTEN_FAILED', `${where}: ${message}`, options);
    this.name = 'ListenError';
  }
}

/**
 * One problem per listener of `listeners` whose address and port cannot be bound right now,
 * except those named in `ours` (`address:port` the workers already hold). Port 0 is never probed.
 */
export async function unbindableListeners(
  adapter: Pick<RuntimeAdapter, 'listen'>,
  listeners: readonly ListenerConfig[],
  ours: ReadonlySet<string> = new Set(),
): Promise<ListenError[]> {
  const problems: ListenError[] = [];
  for (const [i, l] of listeners.entries()) {
    if (l.port === 0 || ours.has(`${l.address}:${l.port}`)) continue;
    try {
      const probe = await adapter.listen({ host: l.address, port: l.port, reusePort: false, backlog: null }, (s) => s.destroy());
      await probe.close();
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      const held = (e as { code?: string }).code === 'EADDRINUSE' ? ' (another program holds this port)' : '';
      problems.push(new ListenError(`listeners[${i}] (${l.name})`, `${reason}${held}`, { cause: e }));
    }
  }
  return problems;
}

/**
 * `listeners` with every port 0 replaced by a free port picked here, once, for all workers: with
 * SO_REUSEPORT each worker binding port 0 itself would get a port of its own. `kept` maps
 * `name@address` to the port picked before (a reload keeps it) and learns the new picks.
 */
export async function pickFreePorts(
  adapter: Pick<RuntimeAdapter, 'listen'>,
  listeners: readonly ListenerConfig[],
  kept: Map<string, number>,
): Promise<ListenerConfig[]> {
  const out: ListenerConfig[] = [];
  for (const [i, l] of listeners.entries()) {
    if (l.port !== 0) {
      out.push(l);
      continue;
    }
    const key = `${l.name}@${l.address}`;
    let port = kept.get(key);
    if (port === undefined) {
      try {
        const probe = await adapter.listen({ host: l.address, port: 0, reusePort: false, backlog: null }, (s) => s.destroy());
        port = probe.port;
        await probe.close();
      } catch (e) {
        throw new ListenError(`listeners[${i}] (${l.name})`, e instanceof Error ? e.message : String(e), { cause: e });
      }
      kept.set(key, port);
    }
    out.push({ ...l, port });
  }
  return out;
}

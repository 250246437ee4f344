/**
 * Checks, before a config is used, that every access log file can be opened for appending: a
 * directory that does not exist or a file the proxy may not write would otherwise lose every
 * line in silence once traffic flows. Envoy refuses such a config at load time too.
 */
import type { RuntimeAdapter } from '../../runtime-adapters/types.ts';
import { ConfigError, type ConfigIssue } from '../config/errors.ts';
import type { ProxyConfig } from '../config/types.ts';

/** Throws a `ConfigError` naming `listeners[i].access_log.path` for each file that cannot be appended to. */
export async function checkAccessLogFiles(adapter: Pick<RuntimeAdapter, 'checkAppendable'>, config: ProxyConfig, fileName: string): Promise<void> {
  const issues: ConfigIssue[] = [];
  for (const [i, l] of config.listeners.entries()) {
    const path = l.accessLog?.path;
    if (path === undefined || path === 'stdout' || path === 'stderr') continue;
    try {
      await adapter.checkAppendable(path);
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      issues.push({ path: `listeners[${i}].access_log.path`, message: `expected a file the proxy can append to, found ${JSON.stringify(path)} (${reason})` });
    }
  }
  if (issues.length > 0) throw new ConfigError(fileName, issues);
}

/**
 * What main and the config loader thread say to each other. The loader is a thread of its own so
 * that the YAML parser and the schema (about 8 MiB of code and objects once used) live only while
 * a config is being read: main holds none of it between loads.
 */

import type { ConfigIssue } from './errors.ts';
import type { ProxyConfig } from './types.ts';

/** Main → loader, as the thread's first message: the text main read, and the name to report it under. */
export interface LoadRequest {
  t: 'load';
  text: string;
  fileName: string;
}

/** Loader → main, once per request. */
export type LoadReply =
  | { t: 'loaded'; config: ProxyConfig }
  | { t: 'invalid'; fileName: string; issues: ConfigIssue[] }
  /** Not a problem of the file: the loader itself threw. */
  | { t: 'failed'; message: string };

/** The schema of a whole config file, producing a `ProxyConfig`. */

import { z } from 'zod';
import { bindAddress, duration, fail, list, port } from './schema-leaves.ts';
import { strict } from './schema-object.ts';
import { cluster } from './schema-cluster.ts';
import { listener } from './schema-listener.ts';
import type { ProxyConfig, WorkersSetting } from './types.ts';

const admin = strict({
  address: bindAddress().prefault('127.0.0.1'),
  port: port(true),
});

const workers = z.unknown().transform((value, ctx): WorkersSetting => {
  if (value === 'auto') return 'auto';
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 1024) return value;
  return fail(ctx, `expected auto or an integer from 1 to 1024, found ${JSON.stringify(value)}`, value);
});

/** Validates a whole config document (after `${VAR}` substitution). */
export const configSchema = strict({
  admin: admin.optional(),
  workers: workers.prefault('auto'),
  drain_timeout: duration().prefault('30s'),
  listeners: list(listener, 1, 'listener'),
  clusters: list(cluster).default([]),
}).transform((v): ProxyConfig => ({
  admin: v.admin ?? { address: '127.0.0.1', port: 9901 },
  workers: v.workers,
  drainTimeoutMs: v.drain_timeout,
  listeners: v.listeners,
  clusters: v.clusters,
}));

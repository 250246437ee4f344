/** Picks the RuntimeAdapter for the runtime this code runs on (all three are bundled; only one is created). */
import { createBunAdapter } from './bun.ts';
import { createDenoAdapter } from './deno.ts';
import { createNodeAdapter } from './node.ts';
import type { RuntimeAdapter, RuntimeName } from './types.ts';

export function detectRuntime(): RuntimeName {
  const g = globalThis as { Bun?: unknown; Deno?: unknown };
  // Bun and Deno both provide `process` too, so their own globals are checked first.
  if (g.Bun !== undefined) return 'bun';
  if (g.Deno !== undefined) return 'deno';
  return 'node';
}

let shared: RuntimeAdapter | undefined;

/** The adapter for the current runtime; one instance per thread. */
export function createAdapter(): RuntimeAdapter {
  if (shared !== undefined) return shared;
  switch (detectRuntime()) {
    case 'bun':
      shared = createBunAdapter();
      break;
    case 'deno':
      shared = createDenoAdapter();
      break;
    case 'node':
      shared = createNodeAdapter();
      break;
  }
  return shared;
}

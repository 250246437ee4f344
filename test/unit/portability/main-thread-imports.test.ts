/**
 * Main never loads the YAML parser or the config schema: only the config loader thread does, so
 * their code and objects (about 8 MiB) go away with that thread. A static import from main's side
 * would quietly bring them back, in every build.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Import and re-export specifiers that load code: `import type` / `export type` are erased and skipped. */
const IMPORT = /^\s*(?:import|export)\s+(?!type\b)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm;
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every module reachable from `entry`: repo-relative paths for our files, bare names for packages. */
function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const queue = [resolve(ROOT, entry)];
  while (queue.length > 0) {
    const file = queue.pop()!;
    const id = relative(ROOT, file);
    if (seen.has(id)) continue;
    seen.add(id);
    const text = readFileSync(file, 'utf8');
    for (const pattern of [IMPORT, DYNAMIC]) {
      for (const match of text.matchAll(pattern)) {
        const specifier = match[1]!;
        if (!specifier.startsWith('.')) {
          seen.add(specifier);
          continue;
        }
        const target = join(dirname(file), specifier);
        if (target.endsWith('.ts') && existsSync(target)) queue.push(target);
      }
    }
  }
  return seen;
}

const CONFIG_LOADING = ['src/config/parse.ts', 'src/config/schema.ts', 'src/config/yaml-source.ts', 'src/config/interpolate.ts', 'yaml', 'zod'];

describe('what the main thread loads', () => {
  for (const entry of ['src/cli.ts', 'src/bun-binary/cli.ts']) {
    it(`${entry} reaches neither the YAML parser nor the config schema`, () => {
      const modules = reachable(entry);
      assert.ok(modules.has('src/main/proxy-server.ts') && modules.has('hono'), 'the walk follows imports');
      assert.deepEqual(CONFIG_LOADING.filter((m) => modules.has(m)), []);
    });
  }

  for (const entry of ['src/config-loader.ts', 'src/bun-binary/config-loader.ts']) {
    it(`${entry} (the loader thread) has them`, () => {
      assert.deepEqual(CONFIG_LOADING.filter((m) => !reachable(entry).has(m)), []);
    });
  }
});

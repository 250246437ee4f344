/**
 * Runs bench/codec.ts on Bun, Deno and Node one after the other (not in parallel: 2 shared
 * cores) and prints one markdown table. `npm run bench:codec` (Node 24).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const bin = (name: string): string => path.join(root, 'node_modules', '.bin', name);
const script = path.join('bench', 'codec.ts');

const runtimes: [string, string, string[]][] = [
  ['bun', bin('bun'), [script, '--json']],
  ['deno', bin('deno'), ['run', '-A', script, '--json']],
  ['node', process.execPath, [script, '--json']],
];

interface Result {
  name: string;
  mbPerSec: number;
  msgPerSec: number;
}

const table = new Map<string, Map<string, Result>>();
const versions: string[] = [];
for (const [name, cmd, args] of runtimes) {
  const run = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', timeout: 60_000 });
  const line = run.stdout?.split('\n').find((l) => l.startsWith('{'));
  if (run.status !== 0 || line === undefined) {
    console.error(`${name}: failed (${run.status ?? run.signal})\n${run.stderr}`);
    process.exitCode = 1;
    continue;
  }
  const parsed = JSON.parse(line) as { runtime: string; version: string; results: Result[] };
  versions.push(`${name} ${parsed.version}`);
  for (const r of parsed.results) {
    if (!table.has(r.name)) table.set(r.name, new Map());
    table.get(r.name)!.set(name, r);
  }
}

const names = runtimes.map(([n]) => n);
const fmt = (r: Result | undefined): string =>
  r === undefined ? 'n/a' : `${Math.round(r.mbPerSec).toLocaleString('en-US')} MB/s · ${Math.round(r.msgPerSec).toLocaleString('en-US')} msg/s`;
console.log(`HTTP/1 codec throughput, one core each (${versions.join(', ')})\n`);
console.log(`| case | ${names.join(' | ')} |`);
console.log(`|---|${names.map(() => '---').join('|')}|`);
for (const [c, byRuntime] of table) console.log(`| ${c} | ${names.map((n) => fmt(byRuntime.get(n))).join(' | ')} |`);

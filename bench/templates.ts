/** Renders the config templates in bench/configs ({{NAME}} placeholders) into a run directory. */

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root and the templates folder. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CONFIGS = join(ROOT, 'bench/configs');

/** Renders `template` with `values` to `outPath`; every placeholder must have a value. */
export function renderTemplate(template: string, outPath: string, values: Record<string, string | number>): string {
  const text = readFileSync(join(CONFIGS, template), 'utf8').replace(/\{\{([A-Z_]+)\}\}/g, (whole, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${template}: no value for ${whole}`);
    return String(value);
  });
  writeFileSync(outPath, text);
  return outPath;
}

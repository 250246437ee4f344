/** Config text or file → validated `ProxyConfig`, or a `ConfigError` listing every problem. */

import { configSchema } from './schema.ts';
import { ConfigError } from './errors.ts';
import type { ConfigIssue } from './errors.ts';
import { crossCheck } from './cross-check.ts';
import { interpolateDocument } from './interpolate.ts';
import type { EnvLookup } from './interpolate.ts';
import { formatPath } from './path.ts';
import type { PathIssue } from './path.ts';
import { parseYaml } from './yaml-source.ts';
import { readConfigText } from './read-config.ts';
import type { YamlSource } from './yaml-source.ts';
import { fromZodIssues } from './zod-issues.ts';
import type { ProxyConfig } from './types.ts';

// YAML aliases can expand exponentially ("billion laughs"); a config never needs many.
const MAX_ALIAS_COUNT = 100;

function isPrefix(prefix: readonly unknown[], path: readonly unknown[]): boolean {
  return prefix.length <= path.length && prefix.every((segment, index) => path[index] === segment);
}

function located(source: YamlSource, issues: PathIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  const out: ConfigIssue[] = [];
  for (const issue of issues) {
    const path = formatPath(issue.path);
    const key = `${path}\n${issue.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const position = source.positionOf(issue.path, issue.atKey === true);
    out.push(position === undefined ? { path, message: issue.message } : { path, message: issue.message, line: position.line, column: position.column });
  }
  // File order reads best; issues without a position keep their order at the end.
  return out
    .map((issue, index) => ({ issue, index }))
    .sort((a, b) => (a.issue.line ?? Infinity) - (b.issue.line ?? Infinity) || (a.issue.column ?? 0) - (b.issue.column ?? 0) || a.index - b.index)
    .map(({ issue }) => issue);
}

/**
 * Parse and validate config text. `fileName` only labels messages; `env` resolves `${VAR}`.
 * Throws `ConfigError` with every problem found (syntax errors alone when the YAML is broken).
 */
export function parseConfig(text: string, fileName: string, env: EnvLookup): ProxyConfig {
  const parsed = parseYaml(text);
  if ('issues' in parsed) throw new ConfigError(fileName, parsed.issues);
  const { source } = parsed;
  if (source.doc.contents === null) {
    throw new ConfigError(fileName, [{ path: '', message: 'the file is empty (expected a mapping with listeners and clusters)' }]);
  }

  const interpolationIssues = interpolateDocument(source.doc, env);
  let document: unknown;
  try {
    document = source.doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    const alias = source.unresolvedAlias();
    if (alias) {
      const message = `alias *${alias.name} has no anchor &${alias.name} before it (an anchor must come first in the file)`;
      throw new ConfigError(fileName, [{ path: formatPath(alias.path), message, line: alias.line, column: alias.column }]);
    }
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(fileName, [{ path: '', message: `cannot expand the YAML document: ${reason}` }]);
  }

  const result = configSchema.safeParse(document, { reportInput: true });
  // A value whose ${VAR} could not be substituted was reported once already.
  const schemaIssues = result.success ? [] : fromZodIssues(result.error.issues).filter((issue) => !interpolationIssues.some((failed) => isPrefix(failed.path, issue.path)));
  const all = [...interpolationIssues, ...schemaIssues, ...crossCheck(document)];
  if (all.length > 0 || !result.success) {
    throw new ConfigError(fileName, all.length > 0 ? located(source, all) : [{ path: '', message: 'invalid configuration' }]);
  }
  return result.data;
}

/** Reads a file through the runtime adapter, then `parseConfig`. A missing file is a `ConfigError` too. */
export async function loadConfig(readTextFile: (path: string) => Promise<string>, path: string, env: EnvLookup): Promise<ProxyConfig> {
  return parseConfig(await readConfigText(readTextFile, path), path, env);
}

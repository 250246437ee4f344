/** Reading a config file through the runtime adapter; a file that cannot be read is a `ConfigError` like any other problem. */

import { ConfigError } from './errors.ts';

/** Reads `path`; throws `ConfigError` (no such file, permission denied, a directory) when it cannot. */
export async function readConfigText(readTextFile: (path: string) => Promise<string>, path: string): Promise<string> {
  try {
    return await readTextFile(path);
  } catch (error) {
    throw new ConfigError(path, [{ path: '', message: `cannot read the config file: ${describeReadError(error)}` }]);
  }
}

// Node and Bun say ENOENT, Deno says NotFound: one wording for all three.
function describeReadError(error: unknown): string {
  const code = typeof error === 'object' && error !== null ? String((error as { code?: unknown }).code ?? '') : '';
  const name = error instanceof Error ? error.name : '';
  if (code === 'ENOENT' || name === 'NotFound') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM' || name === 'PermissionDenied') return 'permission denied';
  if (code === 'EISDIR' || name === 'IsADirectory') return 'it is a directory';
  return error instanceof Error ? error.message : String(error);
}

/** The config module's public surface. */

export { parseConfig, loadConfig } from './parse.ts';
export { ConfigError } from './errors.ts';
export type { ConfigIssue } from './errors.ts';
export type { EnvLookup } from './interpolate.ts';
export { redactConfig, REDACTED } from './redact.ts';
export { parseDuration, formatDuration } from './duration.ts';
export type * from './types.ts';

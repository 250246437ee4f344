/** A copy of the config safe to show on /admin/config_dump: secret-looking values replaced. */

import type { ProxyConfig } from './types.ts';

/** What replaces a redacted value. */
export const REDACTED = '[redacted]';

// Header and parameter names that carry credentials: x-auth, proxy-authorization, x-api-key,
// x-upstream-key, set-cookie, x-session-id, ...
const SENSITIVE_RE = /auth|cookie|token|secret|passw|credential|session|signature|(?:^|[-_.])key(?:$|[-_.])|api[-_]?key/i;
// Config fields whose own name says they hold a secret.
const SECRET_FIELD_RE = /authorization|cookie|token|secret|password|passwd|api[-_]?key|credential|private[-_]?key/i;

// Fields that identify rather than carry a value.
const LABEL_FIELDS = new Set(['key', 'name', 'kind']);

function isSensitiveName(name: unknown): boolean {
  return typeof name === 'string' && SENSITIVE_RE.test(name);
}

function redactAll(value: unknown): unknown {
  if (typeof value === 'string') return REDACTED;
  if (Array.isArray(value)) return value.map(redactAll);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [field, inner] of Object.entries(value)) out[field] = LABEL_FIELDS.has(field) ? inner : redactAll(inner);
    return out;
  }
  return value;
}

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  // A header to add ({key, value}) or a header or parameter matcher ({name, match}) about a
  // secret-looking name: everything but its name goes. Other named things (clusters,
  // listeners, routes) are never judged by their name.
  const header = 'value' in record && isSensitiveName(record['key']);
  const matcher = 'match' in record && isSensitiveName(record['name']);
  if (header || matcher) return redactAll(record);
  const out: Record<string, unknown> = {};
  for (const [field, inner] of Object.entries(record)) {
    out[field] = SECRET_FIELD_RE.test(field) && typeof inner === 'string' ? REDACTED : redact(inner);
  }
  return out;
}

/**
 * Deep copy with values of headers named like authorization/cookie/token/secret/password (added
 * or matched) and of any field whose name suggests a secret replaced by `[redacted]`.
 */
export function redactConfig(config: ProxyConfig): ProxyConfig {
  return redact(config) as ProxyConfig;
}

/** Wording shared by every config error: "expected X, found Y". */

const MAX_SHOWN = 60;

/** A short human description of a YAML value, for "found ..." in messages. */
export function describeFound(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'an empty value';
  if (typeof value === 'string') {
    const shown = value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}…` : value;
    return JSON.stringify(shown);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

/** `expected ..., found ...`, or `required field is missing (expected ...)` when absent. */
export function expectation(expected: string, found: unknown): string {
  if (found === undefined) return `required field is missing (${expected})`;
  return `${expected}, found ${describeFound(found)}`;
}

/** `a, b or c`. */
export function listOr(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

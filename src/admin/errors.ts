/** Errors the admin answers with a 400 instead of a 500. */
import { ProxyError } from '../common/errors.ts';

/** `?filter=` is not a valid regular expression. */
export class InvalidStatsFilterError extends ProxyError {
  constructor(filter: string, cause: unknown) {
    const why = cause instanceof Error ? cause.message : String(cause);
    super('ADMIN_INVALID_FILTER', `invalid regex in filter '${filter}': ${why}`, { cause });
    this.name = 'InvalidStatsFilterError';
  }
}

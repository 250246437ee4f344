/** Typed errors of the health module. */
import { ProxyError } from '../common/errors.ts';

/** A health check or outlier detection setting the module cannot run with. */
export class HealthConfigError extends ProxyError {
  readonly field: string;
  constructor(field: string, message: string) {
    super('INVALID_HEALTH_CONFIG', `${field}: ${message}`);
    this.name = 'HealthConfigError';
    this.field = field;
  }
}

/** The error a router config raises when it cannot be compiled. */
import { ProxyError } from '../common/errors.ts';

/** A virtual host or route that cannot work; `where` names it (`virtual host 'api' route #2 'users'`). */
export class RouterConfigError extends ProxyError {
  readonly where: string;
  constructor(where: string, problem: string, options?: { cause?: unknown }) {
    super('ROUTER_CONFIG', `${where}: ${problem}`, options);
    this.name = 'RouterConfigError';
    this.where = where;
  }
}

/** A compiled virtual host: its routes in order and its own header edits. */
import { compileHeaderMutation, type HeaderMutation } from './header-mutation.ts';
import { RouteEntry } from './route-entry.ts';
import type { VirtualHostConfig } from './types.ts';

/** A virtual host ready for matching; routes are tried in order, first match wins. */
export class VirtualHost {
  readonly name: string;
  readonly domains: readonly string[];
  readonly routes: readonly RouteEntry[];
  readonly requestHeaderMutation: HeaderMutation | null;
  readonly responseHeaderMutation: HeaderMutation | null;
  /** Some route matches by regex, so matching needs the path without its query. */
  readonly usesRegex: boolean;

  constructor(config: VirtualHostConfig) {
    const where = `virtual host '${config.name}'`;
    this.name = config.name;
    this.domains = config.domains.map((d) => d.toLowerCase());
    this.requestHeaderMutation = compileHeaderMutation(
      config.requestHeadersToAdd,
      config.requestHeadersToRemove,
      'request',
      where,
    );
    this.responseHeaderMutation = compileHeaderMutation(
      config.responseHeadersToAdd,
      config.responseHeadersToRemove,
      'response',
      where,
    );
    // Routes read the header edits above, so they are built last.
    this.routes = config.routes.map((r, i) => new RouteEntry(r, i, this));
    this.usesRegex = this.routes.some((r) => r.usesRegex);
  }
}

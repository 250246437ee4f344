/** The router's public surface: compile virtual hosts, route requests, edit headers. */
export { compileRouter, Router, type RouteMatch } from './router.ts';
export { RouteEntry } from './route-entry.ts';
export { VirtualHost } from './virtual-host.ts';
export { RouterConfigError } from './errors.ts';
export type { CompiledDirectResponse, CompiledRouteAction } from './actions.ts';
export { applyHeaderMutation, applyHeaderMutations, type HeaderMutation } from './header-mutation.ts';
export { appendHeader, getHeader, getJoinedHeader, hasHeader, removeHeader, setHeader } from './header-list.ts';
export { normalizeHost, portStart } from './host.ts';
export { pathEnd, replacePrefix } from './path-rewrite.ts';
export type * from './types.ts';

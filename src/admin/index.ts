/** The admin module's public surface: the app factory and the data-source contract. */
export { createAdminApp, isLoopbackAddress } from './app.ts';
export type { AdminAppOptions } from './app.ts';
export type * from './types.ts';

/** Maps Deno errors (named by class) to the adapter SocketError codes. */
import type { SocketErrorCode } from './types.ts';
import { SocketError } from './types.ts';
import { toSocketError } from './node-services.ts';

const DENO_ERROR_CODES: Readonly<Record<string, SocketErrorCode>> = {
  ConnectionRefused: 'ECONNREFUSED',
  ConnectionReset: 'ECONNRESET',
  ConnectionAborted: 'ECONNRESET',
  BrokenPipe: 'EPIPE',
  NotConnected: 'EPIPE',
  TimedOut: 'ETIMEDOUT',
  AddrInUse: 'EADDRINUSE',
  PermissionDenied: 'EACCES',
  NotCapable: 'EACCES',
  NotFound: 'ENOTFOUND',
  NetworkUnreachable: 'EHOSTUNREACH',
};

/** Deno names its errors by class (`ConnectionRefused`); some also carry a Node-style `code`. */
export function denoSocketError(err: unknown, context: string): SocketError {
  if (err instanceof SocketError) return err;
  const code = err instanceof Error ? DENO_ERROR_CODES[err.name] : undefined;
  if (code === undefined) return toSocketError(err, context);
  return new SocketError(code, `${context}: ${(err as Error).message}`, { cause: err });
}

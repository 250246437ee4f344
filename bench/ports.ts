/** Free loopback ports and waiting until a server answers. */

import { request } from 'node:http';
import { createServer } from 'node:net';

/** A port that was free a moment ago (the candidates bind it themselves). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Status and body of one GET. */
export interface Reply {
  status: number;
  body: string;
}

/** One GET on a fresh connection. */
export function get(port: number, path: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 2_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * Polls `GET path` until it answers 200 with `body`, or throws after `timeoutMs` (or as soon as
 * `gone()` says the server process has exited).
 */
export async function waitForBody(port: number, path: string, body: string, timeoutMs: number, gone: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (gone()) throw new Error(`exited before answering on port ${port}`);
    try {
      const reply = await get(port, path);
      if (reply.status === 200 && reply.body === body) return;
      last = `${reply.status} ${JSON.stringify(reply.body.slice(0, 200))}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`GET ${path} on port ${port} did not answer 200 ${JSON.stringify(body)} within ${timeoutMs} ms (last: ${last})`);
}

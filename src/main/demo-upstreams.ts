/** Two tiny upstream servers for `proxy demo`: each answers with its own name, so round robin shows. */
import type { HttpServer, RuntimeAdapter } from '../../runtime-adapters/types.ts';

export const DEMO_UPSTREAMS = [
  { name: 'demo-upstream-1', port: 9001 },
  { name: 'demo-upstream-2', port: 9002 },
];

export async function startDemoUpstreams(adapter: RuntimeAdapter): Promise<HttpServer[]> {
  const servers: HttpServer[] = [];
  for (const u of DEMO_UPSTREAMS) {
    servers.push(
      await adapter.serveHttp({
        host: '127.0.0.1',
        port: u.port,
        fetch: (req) => {
          const url = new URL(req.url);
          if (url.pathname === '/healthz') return new Response('ok\n');
          return new Response(`hello from ${u.name} (${req.method} ${url.pathname})\n`, {
            headers: { 'content-type': 'text/plain', 'x-demo-upstream': u.name },
          });
        },
      }),
    );
  }
  return servers;
}

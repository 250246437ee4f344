/** Real upstream servers for e2e tests: each tracks its connections and in-flight requests. */
import { createServer, type IncomingMessage, type ServerResponse, type Server } from 'node:http';
import type { Socket } from 'node:net';

export interface Upstream {
  readonly name: string;
  readonly port: number;
  readonly server: Server;
  /** TCP connections accepted so far. */
  connections: number;
  /** TCP connections open now. */
  openConnections: number;
  /** Highest number of connections open at once. */
  peakConnections: number;
  requests: number;
  inFlight: number;
  close(): Promise<void>;
}

export type Handler = (req: IncomingMessage, res: ServerResponse, up: Upstream) => void;

/** Answers with its own name: the body is `name` (round robin visible in responses). */
export const nameHandler: Handler = (req, res, up) => {
  req.resume();
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'text/plain', 'x-upstream': up.name });
    res.end(up.name);
  });
};

export async function startUpstream(name: string, handler: Handler = nameHandler, port = 0): Promise<Upstream> {
  const sockets = new Set<Socket>();
  const up: Upstream = {
    name,
    port: 0,
    server: undefined as unknown as Server,
    connections: 0,
    openConnections: 0,
    peakConnections: 0,
    requests: 0,
    inFlight: 0,
    close: () =>
      new Promise<void>((res) => {
        for (const s of sockets) s.destroy();
        up.server.close(() => res());
      }),
  };
  const server = createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    up.requests++;
    up.inFlight++;
    res.on('close', () => up.inFlight--);
    handler(req, res, up);
  });
  server.on('connection', (s: Socket) => {
    up.connections++;
    up.openConnections++;
    up.peakConnections = Math.max(up.peakConnections, up.openConnections);
    sockets.add(s);
    s.on('close', () => {
      up.openConnections--;
      sockets.delete(s);
    });
  });
  (up as { server: Server }).server = server;
  await new Promise<void>((res) => server.listen(port, '127.0.0.1', () => res()));
  const addr = server.address();
  (up as { port: number }).port = typeof addr === 'object' && addr ? addr.port : 0;
  return up;
}

/** Node listening sockets behind the adapter Listener contract: several per listener, to accept a burst quickly. */
import * as net from 'node:net';
import type { Listener, ListenOptions, Socket } from './types.ts';
import { toSocketError } from './node-services.ts';
import { NodeTcpSocket } from './node-socket.ts';

/** listen(2) clamps the backlog to net.core.somaxconn: asking for this much gets the system's largest. */
const LARGEST_BACKLOG = 65535;

/**
 * Listening sockets per listener where SO_REUSEPORT is available. libuv accepts one connection
 * per listening socket per turn of the event loop (strace: one accept4 per epoll_pwait), so a
 * worker busy with 500 connections took 5 s to accept a burst of 1,000 while a third of the
 * clients got no answer at all; the kernel spreads connections over these sockets, each one
 * accepted per turn. 16 took the burst in under 1 s and served every client (4: 2 s).
 */
export const NODE_ACCEPT_SOCKETS = 16;

/** One listener's sockets; closing it closes them all (accepted connections are left alone). */
class NodeListener implements Listener {
  readonly host: string;
  readonly port: number;
  private readonly servers: net.Server[];

  constructor(host: string, port: number, servers: net.Server[]) {
    this.host = host;
    this.port = port;
    this.servers = servers;
  }

  close(): Promise<void> {
    // server.close's callback waits for every accepted connection; the contract leaves those alone.
    for (const server of this.servers) if (server.listening) server.close();
    return Promise.resolve();
  }
}

/** One listening socket; `port` 0 picks a free one. */
function listenOne(host: string, port: number, reusePort: boolean, backlog: number, onConnection: (socket: Socket) => void): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true, noDelay: true });
    server.on('connection', (raw: net.Socket) => onConnection(new NodeTcpSocket(raw)));
    const onListenError = (err: Error): void => reject(toSocketError(err, `listen ${host}:${port}`));
    server.once('error', onListenError);
    server.listen({ host, port, reusePort, backlog }, () => {
      server.off('error', onListenError);
      // Accept failures (EMFILE, ...) arrive here; the server keeps listening.
      server.on('error', () => {});
      resolve(server);
    });
  });
}

/**
 * A listener of `NODE_ACCEPT_SOCKETS` sockets sharing the port, or one socket where SO_REUSEPORT is
 * missing. When the port must not be shared (`reusePort` false), a socket without SO_REUSEPORT
 * binds it first and is closed again: if anyone holds the port that fails with EADDRINUSE, as a
 * plain listen would, and a later listener that does not share is refused by the same probe.
 */
export async function listenNode(options: ListenOptions, reusePortSupported: boolean, onConnection: (socket: Socket) => void): Promise<Listener> {
  // Node's default is 511: a burst of 1,000 connections overflowed it, and clients waited for
  // SYN retransmits.
  const backlog = options.backlog ?? LARGEST_BACKLOG;
  if (!reusePortSupported) {
    const only = await listenOne(options.host, options.port, false, backlog, onConnection);
    return new NodeListener(options.host, (only.address() as net.AddressInfo).port, [only]);
  }
  let port = options.port;
  if (!options.reusePort) {
    const probe = await listenOne(options.host, port, false, 1, refuse);
    port = (probe.address() as net.AddressInfo).port;
    // uv_close closes the descriptor at once: the port is free again when this returns.
    probe.close();
  }
  const servers: net.Server[] = [];
  try {
    for (let k = 0; k < NODE_ACCEPT_SOCKETS; k++) {
      const server = await listenOne(options.host, port, true, backlog, onConnection);
      servers.push(server);
      // Port 0: the first socket picked the port, the others join it.
      port = (server.address() as net.AddressInfo).port;
    }
  } catch (err) {
    for (const s of servers) s.close();
    throw err;
  }
  return new NodeListener(options.host, port, servers);
}

/** The probe's connections (none can arrive before it closes, in practice) are refused. */
function refuse(socket: Socket): void {
  socket.destroy();
}

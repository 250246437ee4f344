/** One listener on one worker: its bound socket, its live connections, and the context they read. */
import type { Listener, RuntimeAdapter, Socket } from '../../runtime-adapters/types.ts';
import { DownstreamConnection, type ConnectionOwner } from '../http/downstream-connection.ts';
import type { ListenerContext } from '../http/listener-context.ts';

export class HttpListener implements ConnectionOwner {
  readonly name: string;
  private ctx: ListenerContext;
  private bound: Listener | null = null;
  private readonly connections = new Set<DownstreamConnection>();
  private nextConnectionId = 1;
  private draining = false;
  private idleWaiters: Array<() => void> = [];
  /** `address:port` this listener was bound with (a changed one needs a new socket). */
  readonly address: string;
  readonly port: number;
  /** Accept queue asked for at bind; null: the system's largest. */
  private readonly backlog: number | null;

  constructor(name: string, address: string, port: number, backlog: number | null, ctx: ListenerContext) {
    this.name = name;
    this.address = address;
    this.port = port;
    this.backlog = backlog;
    this.ctx = ctx;
  }

  get boundPort(): number {
    return this.bound?.port ?? 0;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  async bind(adapter: RuntimeAdapter, reusePort: boolean): Promise<void> {
    this.bound = await adapter.listen({ host: this.address, port: this.port, reusePort, backlog: this.backlog }, (socket: Socket) =>
      this.accept(socket),
    );
  }

  /** A new config generation: requests that start from now on use it. */
  setContext(ctx: ListenerContext): void {
    this.ctx = ctx;
  }

  currentContext(): ListenerContext {
    return this.ctx;
  }

  connectionClosed(conn: DownstreamConnection): void {
    this.connections.delete(conn);
    if (this.draining && this.connections.size === 0) this.notifyIdle();
  }

  /** Stop accepting: the listening socket is closed when this resolves (its address is free again). */
  async stopAccepting(): Promise<void> {
    this.draining = true;
    const bound = this.bound;
    this.bound = null;
    if (bound) await bound.close();
  }

  /** Stop accepting and close connections once their current request is answered. */
  async drain(): Promise<void> {
    await this.stopAccepting();
    for (const c of [...this.connections]) c.drain();
    if (this.connections.size === 0) return;
    await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
  }

  private accept(socket: Socket): void {
    if (this.draining) {
      socket.destroy();
      return;
    }
    const conn = new DownstreamConnection(this.nextConnectionId++, socket, this);
    this.connections.add(conn);
  }

  private notifyIdle(): void {
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const fn of w) fn();
  }
}

/** Raw TCP upstreams for e2e failure tests: every request head gets a scripted, byte-exact behaviour. */
import { createServer, type Server, type Socket } from 'node:net';

/** One request head the upstream read, and the socket it came on. */
export interface RawExchange {
  readonly socket: Socket;
  readonly method: string;
  readonly path: string;
  /** Lower-cased names. */
  readonly headers: ReadonlyMap<string, string>;
  /** Declared Content-Length (0 when absent). */
  readonly contentLength: number;
  /**
   * Take the socket's input over (the helper stops parsing it): the body and anything after is
   * the behaviour's to read or ignore. The socket is left paused (attach a 'data' listener, then
   * resume()). Returns bytes already read past the head.
   */
  takeOver(): Buffer;
}

/** What the upstream does with one request. A behaviour that answers must write a whole response. */
export type RawBehaviour = (ex: RawExchange, up: RawUpstream) => void;

export interface RawUpstream {
  readonly port: number;
  /** Connections accepted so far. */
  connections: number;
  /** Connections open now. */
  readonly sockets: Set<Socket>;
  /** Connections that closed (either side). */
  closedConnections: number;
  /** Paths of every request head read, in order. */
  readonly paths: string[];
  /** Resolves when a request with this path has been read (bounded). */
  waitForPath(path: string, timeoutMs?: number): Promise<RawExchange>;
  /** Resolves when `closedConnections` reaches `n` (bounded). */
  waitForClosed(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const HEAD_END = Buffer.from('\r\n\r\n');
const MAX_HEAD = 64 * 1024;

function parseHead(text: string): { method: string; path: string; headers: Map<string, string> } {
  const lines = text.split('\r\n');
  const [method = '', path = ''] = (lines[0] ?? '').split(' ');
  const headers = new Map<string, string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { method, path, headers };
}

/** Polls `cond` every 10 ms until it holds, or rejects after `timeoutMs`. */
export async function until(cond: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * A TCP server on 127.0.0.1 that parses request heads itself (no HTTP library between the test
 * and the bytes) and hands each one to `behaviour`. Request bodies with a Content-Length are
 * skipped unless the behaviour takes the socket over; chunked request bodies are not supported.
 */
export async function startRawUpstream(behaviour: RawBehaviour): Promise<RawUpstream> {
  const sockets = new Set<Socket>();
  const exchanges: RawExchange[] = [];
  const up: RawUpstream = {
    port: 0,
    connections: 0,
    sockets,
    closedConnections: 0,
    paths: [],
    waitForPath: async (path, timeoutMs = 5000) => {
      await until(() => exchanges.some((e) => e.path === path), timeoutMs, `upstream request ${path}`);
      return exchanges.find((e) => e.path === path)!;
    },
    waitForClosed: (n, timeoutMs = 5000) => until(() => up.closedConnections >= n, timeoutMs, `${n} closed upstream connections`),
    close: () =>
      new Promise<void>((res) => {
        for (const s of sockets) s.destroy();
        server.close(() => res());
      }),
  };
  const server: Server = createServer((socket) => {
    up.connections++;
    sockets.add(socket);
    socket.on('error', () => {});
    socket.on('close', () => {
      sockets.delete(socket);
      up.closedConnections++;
    });
    let buf: Buffer = Buffer.alloc(0);
    let skip = 0;
    let owned = false;
    const onData = (chunk: Buffer): void => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      for (;;) {
        if (owned || socket.destroyed) return;
        if (skip > 0) {
          const n = Math.min(skip, buf.length);
          skip -= n;
          buf = buf.subarray(n);
          if (skip > 0) return;
        }
        const end = buf.indexOf(HEAD_END);
        if (end < 0) {
          if (buf.length > MAX_HEAD) socket.destroy();
          return;
        }
        const { method, path, headers } = parseHead(buf.subarray(0, end).toString('latin1'));
        buf = buf.subarray(end + 4);
        const contentLength = Number(headers.get('content-length') ?? '0');
        const ex: RawExchange = {
          socket,
          method,
          path,
          headers,
          contentLength,
          takeOver: () => {
            owned = true;
            socket.pause();
            socket.off('data', onData);
            const rest = buf;
            buf = Buffer.alloc(0);
            return rest;
          },
        };
        skip = contentLength;
        up.paths.push(path);
        exchanges.push(ex);
        behaviour(ex, up);
      }
    };
    socket.on('data', onData);
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const addr = server.address();
  (up as { port: number }).port = typeof addr === 'object' && addr ? addr.port : 0;
  return up;
}

/** A complete keep-alive response with a Content-Length body. */
export function rawResponse(status: number, body: string | Buffer = '', extra = ''): Buffer {
  const b = typeof body === 'string' ? Buffer.from(body) : body;
  const head = `HTTP/1.1 ${status} X\r\ncontent-type: text/plain\r\ncontent-length: ${b.length}\r\n${extra}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), b]);
}

// ---- behaviours

/** Answers 200 with `body`. */
export function respondOk(body = 'ok'): RawBehaviour {
  return (ex) => {
    ex.socket.write(rawResponse(200, body));
  };
}

/** Closes the connection as soon as the request head is read: no response byte (UC). */
export const closeBeforeHeaders: RawBehaviour = (ex) => {
  ex.socket.destroy();
};

/** Never answers; the connection stays open until the proxy gives up on it. */
export const hang: RawBehaviour = () => {};

/** Answers with bytes that are not an HTTP response (UPE). */
export const sendGarbage: RawBehaviour = (ex) => {
  ex.socket.write('this is not http at all\r\n\r\n');
};

/** Sends a head promising `total` body bytes, `sent` of them, then closes (a truncated response). */
export function closeMidBody(total: number, sent: number): RawBehaviour {
  return (ex) => {
    ex.socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: ${total}\r\n\r\n`);
    ex.socket.write(Buffer.alloc(sent, 0x61), () => ex.socket.destroy());
  };
}

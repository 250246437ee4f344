/** A minimal RFC 6455 echo server for e2e upstreams: handshake, (fragmented) text/binary frames, ping, close. */
import { createHash } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Counters of the echo server, for assertions. */
export interface WebSocketEchoStats {
  /** Upgrades accepted so far. */
  accepted: number;
  /** Data messages echoed so far. */
  messages: number;
  /** Upgraded sockets open now. */
  open: number;
}

/** The Sec-WebSocket-Accept value for a client key (RFC 6455 §4.2.2). */
export function acceptKey(key: string): string {
  return createHash('sha1').update(key + GUID).digest('base64');
}

/**
 * Makes `server` answer every `Upgrade: websocket` request as an echo endpoint. Path `/ws-deny`
 * is refused with a 403 (and the socket closed); path `/ws-greet` sends a `welcome` text frame in
 * the same write as the 101.
 */
export function attachWebSocketEcho(server: Server): WebSocketEchoStats {
  const stats: WebSocketEchoStats = { accepted: 0, messages: 0, open: 0 };
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // The proxy may reset a tunnel's upstream side: that ends the socket, it is no test failure.
    socket.on('error', () => socket.destroy());
    const key = req.headers['sec-websocket-key'];
    if (req.url === '/ws-deny') {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\nConnection: close\r\n\r\ndenied');
      return;
    }
    if (typeof key !== 'string' || (req.headers.upgrade ?? '').toLowerCase() !== 'websocket') {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    stats.accepted++;
    stats.open++;
    socket.on('close', () => stats.open--);
    const accept = Buffer.from(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`,
      'latin1',
    );
    socket.write(req.url === '/ws-greet' ? Buffer.concat([accept, encodeFrame(0x1, Buffer.from('welcome'))]) : accept);
    const conn = new EchoConnection(socket, stats);
    if (head.length > 0) conn.feed(head);
    socket.on('data', (d: Buffer) => conn.feed(d));
    socket.on('end', () => socket.end()); // a client's FIN: answer what it sent, then close too
  });
  return stats;
}

/** One server-side WebSocket: unmasks client frames, echoes complete messages unmasked. */
class EchoConnection {
  private buf: Buffer = Buffer.alloc(0);
  /** Chunks after `buf` not joined yet: a big frame is joined once, not once per chunk. */
  private more: Buffer[] = [];
  private moreBytes = 0;
  /** Bytes the frame at the start of `buf` needs; 0 = unknown yet. */
  private need = 0;
  private fragments: Buffer[] = [];
  private fragmentOpcode = 0;
  private closed = false;
  private readonly socket: Duplex;
  private readonly stats: WebSocketEchoStats;

  constructor(socket: Duplex, stats: WebSocketEchoStats) {
    this.socket = socket;
    this.stats = stats;
  }

  feed(chunk: Buffer): void {
    this.more.push(chunk);
    this.moreBytes += chunk.length;
    if (this.need > 0 && this.buf.length + this.moreBytes < this.need) return;
    this.buf = Buffer.concat([this.buf, ...this.more]);
    this.more = [];
    this.moreBytes = 0;
    for (;;) {
      const frame = this.nextFrame();
      if (!frame) return;
      this.onFrame(frame.fin, frame.opcode, frame.payload);
    }
  }

  private nextFrame(): { fin: boolean; opcode: number; payload: Buffer } | null {
    const b = this.buf;
    if (b.length < 2) return null;
    const fin = (b[0]! & 0x80) !== 0;
    const opcode = b[0]! & 0x0f;
    const masked = (b[1]! & 0x80) !== 0;
    let len = b[1]! & 0x7f;
    let off = 2;
    if (len === 126) {
      if (b.length < 4) return null;
      len = b.readUInt16BE(2);
      off = 4;
    } else if (len === 127) {
      if (b.length < 10) return null;
      len = Number(b.readBigUInt64BE(2));
      off = 10;
    }
    const maskOff = off;
    if (masked) off += 4;
    if (b.length < off + len) {
      this.need = off + len;
      return null;
    }
    this.need = 0;
    const payload = Buffer.from(b.subarray(off, off + len));
    if (masked) for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ b[maskOff + (i & 3)]!;
    this.buf = b.subarray(off + len);
    return { fin, opcode, payload };
  }

  private onFrame(fin: boolean, opcode: number, payload: Buffer): void {
    if (this.closed) return;
    switch (opcode) {
      case 0x0: // continuation
      case 0x1: // text
      case 0x2: // binary
        if (opcode !== 0) this.fragmentOpcode = opcode;
        this.fragments.push(payload);
        if (!fin) return;
        this.stats.messages++;
        this.socket.write(encodeFrame(this.fragmentOpcode, Buffer.concat(this.fragments)));
        this.fragments = [];
        return;
      case 0x8: // close: echo the status code, then end
        this.closed = true;
        this.socket.end(encodeFrame(0x8, payload.subarray(0, 2)));
        return;
      case 0x9: // ping
        this.socket.write(encodeFrame(0xa, payload));
        return;
      default: // pong and reserved opcodes: ignored
        return;
    }
  }
}

/** One unmasked, unfragmented frame (server to client). */
export function encodeFrame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  let head: Buffer;
  if (len < 126) {
    head = Buffer.from([0x80 | opcode, len]);
  } else if (len < 65536) {
    head = Buffer.alloc(4);
    head[0] = 0x80 | opcode;
    head[1] = 126;
    head.writeUInt16BE(len, 2);
  } else {
    head = Buffer.alloc(10);
    head[0] = 0x80 | opcode;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([head, payload]);
}

/** One masked, unfragmented frame (client to server). */
export function encodeClientFrame(opcode: number, payload: Buffer): Buffer {
  const plain = encodeFrame(opcode, payload);
  const headLen = plain.length - payload.length;
  const mask = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  const out = Buffer.alloc(plain.length + 4);
  plain.copy(out, 0, 0, headLen);
  out[1] = out[1]! | 0x80;
  mask.copy(out, headLen);
  for (let i = 0; i < payload.length; i++) out[headLen + 4 + i] = payload[i]! ^ mask[i & 3]!;
  return out;
}

/** Decodes the unmasked frames at the start of `buf`; `rest` is what an incomplete frame left. */
export function decodeFrames(buf: Buffer): { frames: { opcode: number; payload: Buffer }[]; rest: Buffer } {
  const frames: { opcode: number; payload: Buffer }[] = [];
  let off = 0;
  for (;;) {
    if (buf.length - off < 2) break;
    let len = buf[off + 1]! & 0x7f;
    let p = off + 2;
    if (len === 126) {
      if (buf.length - off < 4) break;
      len = buf.readUInt16BE(off + 2);
      p = off + 4;
    } else if (len === 127) {
      if (buf.length - off < 10) break;
      len = Number(buf.readBigUInt64BE(off + 2));
      p = off + 10;
    }
    if (buf.length < p + len) break;
    frames.push({ opcode: buf[off]! & 0x0f, payload: buf.subarray(p, p + len) });
    off = p + len;
  }
  return { frames, rest: buf.subarray(off) };
}

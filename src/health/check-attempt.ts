/**
 * One active HTTP health check: connect, send the request, read the status line, all within
 * `timeoutMs`. One connection per check (`Connection: close`); the socket is destroyed as soon
 * as the status is known, since nothing after the status line matters to the verdict.
 */
import type { Clock, Timer } from '../common/clock.ts';
import { IllegalTransitionError } from '../common/errors.ts';
import type { Socket, SocketError, SocketHandler } from '../../runtime-adapters/types.ts';
import { statusExpected } from './defaults.ts';
import { StatusLineReader } from './status-line.ts';
import type { ConnectFn, StatusRange } from './types.ts';

/** Why a check failed: `timeout` and `network` are Envoy's NETWORK failures. */
export type CheckFailureKind = 'timeout' | 'network' | 'status' | 'protocol';

/** The verdict of one check. */
export type CheckOutcome =
  | { ok: true; status: number }
  | { ok: false; kind: CheckFailureKind; detail: string };

/** What to check and how. */
export interface CheckTarget {
  address: string;
  port: number;
  /** The full request bytes, built once per host. */
  request: Uint8Array;
  timeoutMs: number;
  expectedStatuses: readonly StatusRange[];
}

type AttemptState = 'connecting' | 'awaiting_status' | 'finished';

function errorCode(err: unknown): string | undefined {
  const code = (err as Partial<SocketError> | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export class CheckAttempt implements SocketHandler {
  private state: AttemptState = 'connecting';
  private socket: Socket | undefined;
  private timer: Timer | undefined;
  private readonly reader = new StatusLineReader();
  private readonly connect: ConnectFn;
  private readonly clock: Clock;
  private readonly target: CheckTarget;
  private readonly onDone: (outcome: CheckOutcome) => void;

  constructor(connect: ConnectFn, clock: Clock, target: CheckTarget, onDone: (outcome: CheckOutcome) => void) {
    this.connect = connect;
    this.clock = clock;
    this.target = target;
    this.onDone = onDone;
  }

  get finished(): boolean {
    return this.state === 'finished';
  }

  start(): void {
    const t = this.target;
    this.timer = this.clock.setTimer(t.timeoutMs, () => this.onTimeout());
    let pending: Promise<Socket>;
    try {
      pending = this.connect(t.address, t.port, t.timeoutMs);
    } catch (err) {
      this.onConnectError(err);
      return;
    }
    pending.then(
      (socket) => this.onConnected(socket),
      (err: unknown) => this.onConnectError(err),
    );
  }

  /** Abandon the check without a verdict (host removed, checker stopped). */
  cancel(): void {
    if (this.state === 'finished') return;
    this.toFinished();
  }

  onData(chunk: Uint8Array): void {
    if (this.state !== 'awaiting_status') return;
    const r = this.reader.push(chunk);
    if (r.kind === 'incomplete') return;
    if (r.kind === 'invalid') {
      this.finish({ ok: false, kind: 'protocol', detail: r.reason });
    } else if (statusExpected(r.status, this.target.expectedStatuses)) {
      this.finish({ ok: true, status: r.status });
    } else {
      this.finish({ ok: false, kind: 'status', detail: `unexpected status ${r.status}` });
    }
  }

  onDrain(): void {}

  onEnd(): void {
    if (this.state !== 'awaiting_status') return;
    this.finish({ ok: false, kind: 'network', detail: 'connection closed before the status line' });
  }

  onClose(error: SocketError | undefined): void {
    if (this.state !== 'awaiting_status') return;
    const detail = error ? `connection error ${error.code} before the status line` : 'connection closed before the status line';
    this.finish({ ok: false, kind: 'network', detail });
  }

  private onConnected(socket: Socket): void {
    if (this.state !== 'connecting') {
      socket.destroy();
      return;
    }
    this.toAwaitingStatus(socket);
    socket.setHandler(this);
    socket.write(this.target.request);
  }

  private onConnectError(err: unknown): void {
    if (this.state !== 'connecting') return;
    const code = errorCode(err);
    if (code === 'ETIMEDOUT') {
      this.finish({ ok: false, kind: 'timeout', detail: 'connect timed out' });
    } else {
      this.finish({ ok: false, kind: 'network', detail: `connect failed: ${code ?? String(err)}` });
    }
  }

  private onTimeout(): void {
    if (this.state === 'finished') return;
    const detail = this.state === 'connecting' ? 'connect timed out' : 'no status line in time';
    this.timer = undefined;
    this.finish({ ok: false, kind: 'timeout', detail });
  }

  private finish(outcome: CheckOutcome): void {
    this.toFinished();
    this.onDone(outcome);
  }

  private toAwaitingStatus(socket: Socket): void {
    if (this.state !== 'connecting') throw new IllegalTransitionError('CheckAttempt', this.state, 'connected');
    this.state = 'awaiting_status';
    this.socket = socket;
  }

  private toFinished(): void {
    if (this.state === 'finished') throw new IllegalTransitionError('CheckAttempt', this.state, 'finish');
    this.state = 'finished';
    this.timer?.cancel();
    this.timer = undefined;
    const s = this.socket;
    this.socket = undefined;
    s?.destroy();
  }
}

/** The request a check sends; built once per host. */
export function buildCheckRequest(path: string, hostHeader: string): Uint8Array {
  return new TextEncoder().encode(
    `GET ${path} HTTP/1.1\r\nHost: ${hostHeader}\r\nUser-Agent: proxy-health-check\r\nConnection: close\r\n\r\n`,
  );
}

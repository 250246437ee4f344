/** Which deadline a downstream connection's one timer is watching, and when it falls due. */

/**
 * - `headers`: the request head must be complete by then (request_headers_timeout, 408);
 * - `head-idle`: no header timeout, so the head's stream idle timeout (408), as Envoy's request
 *   exists from its first byte;
 * - `idle`: no request at all (idle_timeout, a quiet close);
 * - `stream-idle`: a request in flight with nothing moving (stream_idle_timeout).
 */
export type DeadlineKind = 'headers' | 'head-idle' | 'idle' | 'stream-idle';

export interface DeadlineTimeouts {
  readonly requestHeadersTimeoutMs: number;
  readonly idleTimeoutMs: number;
  readonly streamIdleTimeoutMs: number;
}

/** Monotonic ms the deadlines count from; `streamIdleSince` is -1 while no stream exists. */
export interface DeadlineMarks {
  requestStartAt: number;
  headByteAt: number;
  lastActivity: number;
  streamIdleSince: number;
}

export interface Deadline {
  kind: DeadlineKind;
  /** Monotonic ms when it falls due. */
  at: number;
}

/** The deadline in force for the connection's state, or null when none is configured for it. */
export function currentDeadline(t: DeadlineTimeouts, m: DeadlineMarks): Deadline | null {
  if (m.streamIdleSince >= 0) {
    return t.streamIdleTimeoutMs > 0 ? { kind: 'stream-idle', at: m.streamIdleSince + t.streamIdleTimeoutMs } : null;
  }
  if (m.requestStartAt > 0) {
    if (t.requestHeadersTimeoutMs > 0) return { kind: 'headers', at: m.requestStartAt + t.requestHeadersTimeoutMs };
    if (t.streamIdleTimeoutMs > 0) return { kind: 'head-idle', at: m.headByteAt + t.streamIdleTimeoutMs };
    return null;
  }
  return t.idleTimeoutMs > 0 ? { kind: 'idle', at: m.lastActivity + t.idleTimeoutMs } : null;
}

/** How often the timer must look at the least: the shortest configured timeout (0: never). */
export function timerPeriod(t: DeadlineTimeouts): number {
  const periods = [t.requestHeadersTimeoutMs, t.idleTimeoutMs, t.streamIdleTimeoutMs].filter((v) => v > 0);
  return periods.length ? Math.min(...periods) : 0;
}

/** The state machine of one pooled upstream connection: named states, transitions as a table. */
import { IllegalTransitionError } from '../common/errors.ts';

/** Each state is also the name of the pool list the connection sits in (closed: none). */
export type ConnState = 'connecting' | 'ready' | 'busy' | 'closed';

/**
 * - `connected_idle` / `connected_assign`: the TCP connect finished, no request / a request waits.
 * - `assign`: a ready connection takes a request. `reassign`: a released connection takes the next.
 * - `release`: the request is done and the connection is reusable with nothing waiting.
 * - `close`: we close it, or it closed (connect failure, timeout, peer close, error).
 */
export type ConnEvent =
  | 'connected_idle'
  | 'connected_assign'
  | 'assign'
  | 'reassign'
  | 'release'
  | 'close';

const TRANSITIONS: Readonly<Record<ConnState, Readonly<Partial<Record<ConnEvent, ConnState>>>>> = {
  connecting: { connected_idle: 'ready', connected_assign: 'busy', close: 'closed' },
  ready: { assign: 'busy', close: 'closed' },
  busy: { reassign: 'busy', release: 'ready', close: 'closed' },
  closed: {},
};

/** The state `event` leads to from `from`; throws `IllegalTransitionError` when not allowed. */
export function nextConnState(from: ConnState, event: ConnEvent): ConnState {
  const to = TRANSITIONS[from][event];
  if (to === undefined) throw new IllegalTransitionError('UpstreamConnection', from, event);
  return to;
}

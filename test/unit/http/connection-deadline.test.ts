/** The one deadline a downstream connection watches in each state. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { currentDeadline, timerPeriod, type DeadlineMarks } from '../../../src/http/connection-deadline.ts';

const ALL = { requestHeadersTimeoutMs: 10_000, idleTimeoutMs: 3_600_000, streamIdleTimeoutMs: 300_000 };
const marks = (m: Partial<DeadlineMarks>): DeadlineMarks => ({ requestStartAt: 0, headByteAt: 0, lastActivity: 5, streamIdleSince: -1, ...m });

describe('connection deadline', () => {
  it('between requests: the idle timeout from the last activity', () => {
    assert.deepEqual(currentDeadline(ALL, marks({})), { kind: 'idle', at: 3_600_005 });
    assert.equal(currentDeadline({ ...ALL, idleTimeoutMs: 0 }, marks({})), null);
  });

  it('a head arriving: the header timeout from its first byte', () => {
    assert.deepEqual(currentDeadline(ALL, marks({ requestStartAt: 100, headByteAt: 900 })), { kind: 'headers', at: 10_100 });
  });

  it('a head arriving with the header timeout off: the stream idle timeout from its last byte (as Envoy)', () => {
    const t = { ...ALL, requestHeadersTimeoutMs: 0 };
    assert.deepEqual(currentDeadline(t, marks({ requestStartAt: 100, headByteAt: 900 })), { kind: 'head-idle', at: 300_900 });
    assert.equal(currentDeadline({ ...t, streamIdleTimeoutMs: 0 }, marks({ requestStartAt: 100 })), null);
  });

  it('a request in flight: the stream idle timeout from the last byte either way', () => {
    assert.deepEqual(currentDeadline(ALL, marks({ requestStartAt: 0, streamIdleSince: 2000 })), { kind: 'stream-idle', at: 302_000 });
    assert.equal(currentDeadline({ ...ALL, streamIdleTimeoutMs: 0 }, marks({ streamIdleSince: 2000 })), null);
  });

  it('the timer looks at least as often as the shortest configured timeout', () => {
    assert.equal(timerPeriod(ALL), 10_000);
    assert.equal(timerPeriod({ requestHeadersTimeoutMs: 0, idleTimeoutMs: 0, streamIdleTimeoutMs: 0 }), 0);
  });
});

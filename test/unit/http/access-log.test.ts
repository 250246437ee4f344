import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AccessLogger, DefaultFormatter, JsonFormatter, type AccessLogRecord } from '../../../src/http/access-log.ts';
import { ResponseFlag } from '../../../src/http/response-flags.ts';
import { ManualClock } from '../../support/manual-clock.ts';

function record(over: Partial<AccessLogRecord> = {}): AccessLogRecord {
  return {
    startTime: Date.UTC(2016, 3, 15, 20, 17, 0, 310),
    method: 'POST',
    path: '/api/v1/locations',
    protocol: 'HTTP/1.1',
    status: 204,
    flags: 0,
    bytesReceived: 154,
    bytesSent: 0,
    durationMs: 226,
    upstreamServiceTimeMs: 100,
    xForwardedFor: '10.0.35.28',
    userAgent: 'nsq2http',
    requestId: 'cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2',
    authority: 'locations',
    upstreamHost: '10.0.2.1:80',
    responseCodeDetail: 'via_upstream',
    worker: 0,
    connectionId: 7,
    ...over,
  };
}

const EXAMPLE =
  '[2016-04-15T20:17:00.310Z] "POST /api/v1/locations HTTP/1.1" 204 - 154 0 226 100 "10.0.35.28" ' +
  '"nsq2http" "cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2" "locations" "10.0.2.1:80"\n';

class MemorySink {
  chunks: string[] = [];
  write(chunk: string): void {
    this.chunks.push(chunk);
  }
}

describe('access log default format', () => {
  it('matches Envoy\'s default line for a fixed record', () => {
    assert.equal(new DefaultFormatter().format(record()), EXAMPLE);
  });

  it('missing values print as - and flags by short name', () => {
    const line = new DefaultFormatter().format(
      record({
        startTime: Date.UTC(2024, 0, 2, 3, 4, 5, 7),
        status: 503,
        flags: ResponseFlag.UF | ResponseFlag.URX,
        bytesReceived: 0,
        bytesSent: 91,
        durationMs: 12.9,
        upstreamServiceTimeMs: null,
        xForwardedFor: null,
        userAgent: '',
        requestId: null,
        upstreamHost: null,
      }),
    );
    assert.equal(line, '[2024-01-02T03:04:05.007Z] "POST /api/v1/locations HTTP/1.1" 503 UF,URX 0 91 12 - "-" "-" "-" "locations" "-"\n');
  });

  it('a request that never got a response logs status 0 with DC', () => {
    const line = new DefaultFormatter().format(record({ status: 0, flags: ResponseFlag.DC, method: null, path: null, protocol: null }));
    assert.match(line, /^\[[^\]]+\] "- - -" 0 DC /);
  });

  it('a control character in a header value cannot split the line', () => {
    const line = new DefaultFormatter().format(record({ userAgent: 'evil\nfake line' }));
    assert.equal(line.split('\n').length, 2);
    assert.match(line, /"evil\\x0afake line"/);
  });

  it('start times in the same second and the next are both right (per-second cache)', () => {
    const f = new DefaultFormatter();
    const base = Date.UTC(2020, 11, 31, 23, 59, 59, 0);
    assert.match(f.format(record({ startTime: base + 5 })), /^\[2020-12-31T23:59:59\.005Z\]/);
    assert.match(f.format(record({ startTime: base + 999 })), /^\[2020-12-31T23:59:59\.999Z\]/);
    assert.match(f.format(record({ startTime: base + 1000 })), /^\[2021-01-01T00:00:00\.000Z\]/);
    assert.match(f.format(record({ startTime: base + 50 })), /^\[2020-12-31T23:59:59\.050Z\]/);
  });
});

describe('access log JSON format', () => {
  it('parses, with the default line\'s fields as keys', () => {
    const line = new JsonFormatter().format(record({ flags: ResponseFlag.UT }));
    assert.ok(line.endsWith('}\n'));
    assert.deepEqual(JSON.parse(line), {
      start_time: '2016-04-15T20:17:00.310Z',
      method: 'POST',
      path: '/api/v1/locations',
      protocol: 'HTTP/1.1',
      response_code: 204,
      response_flags: 'UT',
      bytes_received: 154,
      bytes_sent: 0,
      duration: 226,
      upstream_service_time: 100,
      x_forwarded_for: '10.0.35.28',
      user_agent: 'nsq2http',
      request_id: 'cc21d9b0-cf5c-432b-8c7e-98aeb7988cd2',
      authority: 'locations',
      upstream_host: '10.0.2.1:80',
      response_code_details: 'via_upstream',
      worker: 0,
      connection_id: 7,
    });
  });

  it('missing values are null and strings are escaped', () => {
    const parsed = JSON.parse(
      new JsonFormatter().format(record({ upstreamHost: null, upstreamServiceTimeMs: null, userAgent: 'a "quoted"\\ \u0001 agent' })),
    );
    assert.equal(parsed.upstream_host, null);
    assert.equal(parsed.upstream_service_time, null);
    assert.equal(parsed.response_flags, null);
    assert.equal(parsed.user_agent, 'a "quoted"\\ \u0001 agent');
  });
});

describe('access logger batching', () => {
  it('lines wait for the flush timer and leave in one write', () => {
    const clock = new ManualClock();
    const sink = new MemorySink();
    const log = new AccessLogger(sink, clock, { flushIntervalMs: 100 });
    log.log(record());
    log.log(record());
    assert.deepEqual(sink.chunks, []);
    assert.equal(clock.pending(), 1);
    clock.advance(99);
    assert.deepEqual(sink.chunks, []);
    clock.advance(1);
    assert.deepEqual(sink.chunks, [EXAMPLE + EXAMPLE]);
    assert.equal(clock.pending(), 0);
  });

  it('a full buffer is written at once without waiting for the timer', () => {
    const clock = new ManualClock();
    const sink = new MemorySink();
    const log = new AccessLogger(sink, clock, { maxBufferChars: EXAMPLE.length * 3 });
    for (let i = 0; i < 7; i++) log.log(record());
    assert.equal(sink.chunks.length, 2);
    assert.equal(sink.chunks[0], EXAMPLE.repeat(3));
    assert.equal(log.bufferedLines, 1);
    clock.advance(1000);
    assert.equal(sink.chunks.length, 3);
    assert.equal(sink.chunks.join(''), EXAMPLE.repeat(7));
  });

  it('close flushes, cancels the timer, and later lines are written unbuffered', () => {
    const clock = new ManualClock();
    const sink = new MemorySink();
    const log = new AccessLogger(sink, clock, { format: 'json' });
    log.log(record());
    log.close();
    assert.equal(sink.chunks.length, 1);
    assert.equal(clock.pending(), 0);
    log.log(record());
    assert.equal(sink.chunks.length, 2);
    for (const c of sink.chunks) JSON.parse(c);
  });

  it('a sink that throws loses the batch but never throws into the request path', () => {
    const clock = new ManualClock();
    const log = new AccessLogger({ write: () => { throw new Error('disk full'); } }, clock);
    log.log(record());
    assert.doesNotThrow(() => clock.advance(1000));
    assert.equal(log.failedWrites, 1);
    assert.equal(log.bufferedLines, 0);
  });
});

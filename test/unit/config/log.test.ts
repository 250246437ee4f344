// Tests src/common/log.ts (kept with the config/CLI tests that own it).
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, isLogLevel } from '../../../src/common/log.ts';
import type { LogFormat, LogLevel } from '../../../src/common/log.ts';

function capture(level: LogLevel, format: LogFormat, colors = false) {
  const lines: string[] = [];
  const logger = createLogger({ level, format, write: (line) => lines.push(line), colors });
  return { logger, lines };
}

const ISO_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('logger', () => {
  it('writes one JSON object per line with time, level, msg and the fields', () => {
    const { logger, lines } = capture('info', 'json');
    logger.info('listening', { listener: 'ingress', port: 10000 });
    assert.equal(lines.length, 1);
    const record = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    assert.match(String(record['time']), ISO_TIME);
    assert.deepEqual({ ...record, time: 'T' }, { time: 'T', level: 'info', msg: 'listening', listener: 'ingress', port: 10000 });
    assert.ok(!(lines[0] ?? '').includes('\n'));
  });

  it('drops lines below the level', () => {
    const { logger, lines } = capture('warn', 'json');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    assert.deepEqual(lines.map((l) => (JSON.parse(l) as { level: string }).level), ['warn', 'error']);
  });

  it('adds child fields, such as the worker id, to every line', () => {
    const { logger, lines } = capture('debug', 'json');
    const worker = logger.child({ worker: 2 });
    worker.debug('accepted', { remote: '127.0.0.1' });
    worker.child({ cluster: 'demo' }).warn('host ejected');
    logger.info('main');
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(records[0]?.['worker'], 2);
    assert.equal(records[0]?.['remote'], '127.0.0.1');
    assert.equal(records[1]?.['worker'], 2);
    assert.equal(records[1]?.['cluster'], 'demo');
    assert.equal(records[2]?.['worker'], undefined);
  });

  it('never folds repeated identical lines', () => {
    const { logger, lines } = capture('info', 'json');
    for (let i = 0; i < 20; i++) logger.info('same');
    assert.equal(lines.length, 20);
  });

  it('writes readable human lines with key=value fields and no colour codes unless asked', () => {
    const { logger, lines } = capture('info', 'human');
    logger.warn('worker died', { worker: 1, reason: 'exit code 1', error: new Error('boom') });
    const [time, level, ...rest] = (lines[0] ?? '').split(/ +/);
    assert.match(time ?? '', ISO_TIME);
    assert.equal(level, 'WARN');
    assert.equal(rest.join(' '), 'worker died worker=1 reason="exit code 1" error=boom');
    assert.ok(!(lines[0] ?? '').includes('\x1b['));
    const colored = capture('info', 'human', true);
    colored.logger.error('x');
    assert.ok((colored.lines[0] ?? '').includes('\x1b['));
  });

  it('keeps the reserved JSON keys and serializes errors by message', () => {
    const { logger, lines } = capture('info', 'json');
    logger.error('failed', { msg: 'field', error: new Error('connect refused') });
    const record = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    assert.equal(record['msg'], 'failed');
    assert.equal(record['field_msg'], 'field');
    assert.equal(record['error'], 'connect refused');
  });

  it('recognizes the level names of --log-level', () => {
    assert.ok(isLogLevel('debug') && isLogLevel('error'));
    assert.ok(!isLogLevel('trace'));
  });
});

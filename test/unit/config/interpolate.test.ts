import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { interpolateString } from '../../../src/config/interpolate.ts';
import { errorOf, MINIMAL, parse } from './config-helpers.ts';

const env = (vars: Record<string, string>) => (name: string): string | undefined => vars[name];

function substituted(text: string, vars: Record<string, string>): string {
  const result = interpolateString(text, env(vars));
  assert.ok(result.ok, result.ok ? '' : result.message);
  return result.text;
}

describe('${ENV_VAR} interpolation', () => {
  it('replaces references anywhere in a string', () => {
    assert.equal(substituted('${HOST}:${PORT}/x', { HOST: 'db', PORT: '5432' }), 'db:5432/x');
    assert.equal(substituted('no references', {}), 'no references');
  });

  it('uses the fallback of ${NAME:-fallback} when the variable is unset or empty', () => {
    assert.equal(substituted('${MODE:-dev}', {}), 'dev');
    assert.equal(substituted('${MODE:-dev}', { MODE: '' }), 'dev');
    assert.equal(substituted('${MODE:-dev}', { MODE: 'prod' }), 'prod');
  });

  it('turns $${ into a literal ${', () => {
    assert.equal(substituted('cost: $${PRICE}', {}), 'cost: ${PRICE}');
  });

  it('refuses an unterminated or malformed reference', () => {
    const unterminated = interpolateString('${OOPS', env({}));
    assert.ok(!unterminated.ok && /unterminated/.test(unterminated.message));
    const malformed = interpolateString('${1BAD}', env({}));
    assert.ok(!malformed.ok && /not a valid environment variable reference/.test(malformed.message));
  });

  it('types an unquoted value after substitution, so a port from the environment is a number', () => {
    const config = parse(MINIMAL.replace('port: 10000', 'port: ${PORT}'), env({ PORT: '10080' }));
    assert.equal(config.listeners[0]?.port, 10080);
  });

  it('keeps a quoted value a string', () => {
    const config = parse(MINIMAL.replace('name: backend', 'name: "${NAME}"').replace('cluster: backend', 'cluster: "123"'), env({ NAME: '123' }));
    assert.equal(config.clusters[0]?.name, '123');
  });

  it('reports an unset variable with the field path, once', () => {
    const error = errorOf(MINIMAL.replace('port: 10000', 'port: ${PROXY_PORT}'));
    assert.equal(error.issues.length, 1, error.format());
    assert.equal(error.issues[0]?.path, 'listeners[0].port');
    assert.match(error.format(), /test\.yaml: listeners\[0\]\.port: environment variable PROXY_PORT is not set/);
  });

  it('does not substitute inside keys', () => {
    const error = errorOf(`${MINIMAL}\n\${KEY}: 1\n`, env({ KEY: 'workers' }));
    assert.match(error.format(), /unknown field/);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parseConfig } from '../../../src/config/index.ts';
import { BUILTIN_DEMO_CONFIG } from '../../../src/main/builtin-demo-config.ts';
import { DEMO_UPSTREAMS } from '../../../src/main/demo-upstreams.ts';

const env = () => undefined;

describe('built-in demo config', () => {
  it('is valid and serves the demo upstreams on the same listener as config.example.yaml', async () => {
    const builtin = parseConfig(BUILTIN_DEMO_CONFIG, 'builtin-demo', env);
    const exampleText = await readFile(new URL('../../../config.example.yaml', import.meta.url), 'utf8');
    const example = parseConfig(exampleText, 'config.example.yaml', env);
    const demo = builtin.clusters.find((c) => c.name === 'demo');
    assert.ok(demo);
    assert.deepEqual(
      demo.endpoints.map((e) => e.port),
      DEMO_UPSTREAMS.map((u) => u.port),
    );
    assert.deepEqual(
      builtin.listeners.map((l) => [l.address, l.port]),
      example.listeners.map((l) => [l.address, l.port]),
    );
    assert.deepEqual(builtin.admin, example.admin);
  });
});

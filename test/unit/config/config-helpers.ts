/** Shared by the config tests: fixture paths, a file reader, and a small valid config to vary. */

import { readFile } from 'node:fs/promises';
import { ConfigError } from '../../../src/config/errors.ts';
import { parseConfig } from '../../../src/config/parse.ts';
import type { ProxyConfig } from '../../../src/config/types.ts';

export const FIXTURES = new URL('../../fixtures/configs/', import.meta.url);
export const EXAMPLE_CONFIG = new URL('../../../config.example.yaml', import.meta.url);

export function fixturePath(name: string): string {
  return decodeURIComponent(new URL(name, FIXTURES).pathname);
}

export function readTextFile(path: string): Promise<string> {
  return readFile(path, 'utf8');
}

export const noEnv = (): string | undefined => undefined;

/** A valid config: one listener routing / to cluster `backend` on 127.0.0.1:9001. */
export const MINIMAL = `
listeners:
  - name: ingress
    address: 127.0.0.1
    port: 10000
    virtual_hosts:
      - name: default
        domains: ["*"]
        routes:
          - match: { prefix: / }
            cluster: backend
clusters:
  - name: backend
    endpoints:
      - { address: 127.0.0.1, port: 9001 }
`;

export function parse(text: string, env: (name: string) => string | undefined = noEnv): ProxyConfig {
  return parseConfig(text, 'test.yaml', env);
}

/** The ConfigError that parsing `text` throws (fails the test if it parses). */
export function errorOf(text: string, env: (name: string) => string | undefined = noEnv): ConfigError {
  try {
    parseConfig(text, 'test.yaml', env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError, but the config parsed');
}

/** MINIMAL with the cluster block replaced. */
export function withCluster(clusterYaml: string): string {
  return MINIMAL.replace(/clusters:[\s\S]*$/, `clusters:\n${clusterYaml}\n`);
}

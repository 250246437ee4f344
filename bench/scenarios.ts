/** The loads every candidate gets: throughput, latency, POST body, large response, many connections. */

import { join } from 'node:path';
import { LARGE_PATH } from './origin.ts';
import { CONFIGS } from './templates.ts';

/** One wrk load. */
export interface Scenario {
  id: string;
  title: string;
  path: string;
  connections: number;
  /** wrk Lua script, e.g. for a POST body. */
  script?: string;
  /** Is this the scenario the memory goal is judged on? */
  memory?: boolean;
}

export const SCENARIOS: Scenario[] = [
  { id: 'get-64', title: 'small GET, 64 connections (throughput)', path: '/', connections: 64 },
  { id: 'get-1', title: 'small GET, 1 connection (latency)', path: '/', connections: 1 },
  { id: 'post-1k', title: '1 KiB POST, 64 connections', path: '/', connections: 64, script: join(CONFIGS, 'post-1k.lua') },
  { id: 'get-64k', title: '64 KiB response, 64 connections', path: LARGE_PATH, connections: 64 },
  { id: 'conn-1000', title: 'small GET, 1,000 connections (memory)', path: '/', connections: 1000, memory: true },
];

/** The scenario the throughput goal is judged on. */
export const THROUGHPUT_ID = 'get-64';

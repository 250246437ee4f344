#!/usr/bin/env node
/** The `proxy` executable from source and in the Node bundle: picks the adapter for the runtime it finds. */

import { createAdapter } from '../runtime-adapters/detect.ts';
import { runProxyCli } from './cli-entry.ts';

await runProxyCli(createAdapter(), import.meta.url, { path: decodeURIComponent(new URL('../config.example.yaml', import.meta.url).pathname), embedded: null });

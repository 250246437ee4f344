/**
 * The `proxy` entry of the Bun executable. It loads the Bun adapter only: detect.ts would also
 * load the Node and Deno adapters and the node:* modules they use, about 2 MiB of RSS.
 */

import { createBunAdapter, executablePath } from '../../runtime-adapters/bun.ts';
import { runProxyCli } from '../cli-entry.ts';
import EXAMPLE_CONFIG from '../../config.example.yaml' with { type: 'text' };

// In the executable this module is /$bunfs/root/cli.js: the demo looks for config.example.yaml
// next to the executable (dist/ has one), and runs the copy built into it when there is none.
const beside = new URL('config.example.yaml', new URL(`file://${executablePath()}`));
await runProxyCli(createBunAdapter(), import.meta.url, { path: decodeURIComponent(beside.pathname), embedded: EXAMPLE_CONFIG as string });

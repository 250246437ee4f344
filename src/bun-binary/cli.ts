/**
 * The `proxy` entry of the Bun executable. It loads the Bun adapter only: detect.ts would also
 * load the Node and Deno adapters and the node:* modules they use, about 2 MiB of RSS.
 */

import { createBunAdapter } from '../../runtime-adapters/bun.ts';
import { runProxyCli } from '../cli-entry.ts';

// In the executable this module is /$bunfs/root/cli.js, as src/cli.ts was: the demo finds no
// file there and runs its built-in copy of the example config.
await runProxyCli(createBunAdapter(), import.meta.url, new URL('../config.example.yaml', import.meta.url));

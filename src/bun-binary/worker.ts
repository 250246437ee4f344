/** The worker entry of the Bun executable: a sibling of its cli.ts, with the Bun adapter only. */
import { createBunAdapter } from '../../runtime-adapters/bun.ts';
import { startWorker } from '../worker/worker-runtime.ts';

startWorker(createBunAdapter());

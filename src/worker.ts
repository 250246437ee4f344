/** Worker thread entry: one event loop with its own listeners, clusters and pools. */
import { createAdapter } from '../runtime-adapters/detect.ts';
import { startWorker } from './worker/worker-runtime.ts';

startWorker(createAdapter());

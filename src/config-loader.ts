/** Config loader thread entry, from source and in the Node bundle (see src/config/loader-protocol.ts). */
import { createAdapter } from '../runtime-adapters/detect.ts';
import { startConfigLoader } from './config/loader-thread.ts';

startConfigLoader(createAdapter());

/** The config loader entry of the Bun executable: a sibling of its cli.ts, with the Bun adapter only. */
import { createBunAdapter } from '../../runtime-adapters/bun.ts';
import { startConfigLoader } from '../config/loader-thread.ts';

startConfigLoader(createBunAdapter());

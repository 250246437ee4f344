/** Launches the system's headless Chromium (Debian `chromium`) through playwright-core, with flags that keep it quiet and offline. */
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

export const CHROMIUM_PATH = '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(timeoutMs = 30_000): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} is missing: install it with 'apt-get update && apt-get install -y chromium'`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS, timeout: timeoutMs });
}

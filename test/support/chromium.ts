import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

// Debian's Chromium, installed by .ci/run; playwright-core never downloads a browser.
export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** What a browser test fails with when Chromium is not installed: never a silent skip. */
export function missingChromium(test: string): Error {
  return new Error(`${CHROMIUM} is missing: ${test} needs Debian's Chromium (apt-get install -y chromium; .ci/run installs it)`);
}

/** Headless Chromium with a fresh temporary profile, or undefined when it is not installed (each test then fails with missingChromium). */
export async function launchChromium(): Promise<Browser | undefined> {
  if (!existsSync(CHROMIUM)) return undefined;
  return chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
}

/**
 * Headless Chromium for the viewer's tests: Debian's /usr/bin/chromium (or DEEPBLINK_CHROMIUM)
 * driven by playwright-core, with background networking off (the machine has no internet and
 * the page must need none). Where Chromium is missing the tests are skipped, unless
 * DEEPBLINK_REQUIRE_BROWSER is set (.ci/run sets it after installing Chromium): then they fail.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'playwright-core';

export const CHROMIUM = process.env.DEEPBLINK_CHROMIUM ?? '/usr/bin/chromium';

/** A reason to skip the browser tests, or false when they must run. */
export const browserSkip: string | false = existsSync(CHROMIUM) || process.env.DEEPBLINK_REQUIRE_BROWSER ? false : `no Chromium at ${CHROMIUM}`;

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-default-apps',
      '--disable-dev-shm-usage',
    ],
  });
}

/**
 * The page's globals, as functions run in the page (page.evaluate, waitForFunction) see them;
 * Node's types have no DOM: `(globalThis as unknown as PageGlobals).document…` inside such a function.
 */
export interface PageGlobals {
  document: { body: { dataset: Record<string, string | undefined> }; getElementById(id: string): { textContent: string | null } | null };
  deepblink: {
    timings: Record<string, number>;
    state(): unknown;
    canvasPoint(y: number, x: number): [number, number];
    canvasSize(): [number, number];
    zoomFrames(n: number): Promise<{ fps: number; p50: number; p95: number }>;
  };
}

import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';

/** Debian's chromium, driven by playwright-core (which cannot download a browser here). */
export const CHROMIUM = '/usr/bin/chromium';
const ROOT = join(__dirname, '..', '..');

/** A headless Chromium that talks to nothing but the pages it is sent to. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: run scripts/ci/ensure-chromium.sh (installs Debian's chromium) before this suite`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/**
 * A picture of the page (or of one element) in test-results/NAME; with UPDATE_SCREENSHOTS=1
 * a published one also replaces the committed docs/screenshots/NAME the README shows.
 */
export async function saveScreenshot(
  page: Page,
  name: string,
  { selector, publish = true }: { selector?: string; publish?: boolean } = {},
): Promise<string> {
  const path = join(ROOT, 'test-results', name);
  mkdirSync(dirname(path), { recursive: true });
  if (selector) await page.locator(selector).screenshot({ path });
  else await page.screenshot({ path, fullPage: true });
  if (publish && process.env.UPDATE_SCREENSHOTS === '1') {
    const docs = join(ROOT, 'docs', 'screenshots', name);
    mkdirSync(dirname(docs), { recursive: true });
    copyFileSync(path, docs);
  }
  return path;
}

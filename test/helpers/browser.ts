/**
 * Headless Debian Chromium driven by playwright-core (no browser download): the user's browser
 * in the OAuth login tests. The flags keep Chromium off the network this machine does not have.
 */
import { existsSync } from "node:fs";
import { type Browser, type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = process.env.LGAUTH_TEST_CHROMIUM ?? "/usr/bin/chromium";

export function chromiumMissing(): string | false {
  return existsSync(CHROMIUM) ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
}

export interface TestBrowser {
  browser: Browser;
  /** A fresh context: no cookies from earlier logins. */
  context(): Promise<BrowserContext>;
  close(): Promise<void>;
}

export async function startBrowser(): Promise<TestBrowser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    browser,
    context: () => browser.newContext(),
    async close() {
      // playwright gives Chromium a temporary profile and removes it on close
      await browser.close().catch(() => undefined);
    },
  };
}

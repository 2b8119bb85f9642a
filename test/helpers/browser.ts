import { existsSync, mkdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import type { TypedKubeClient } from "../../src/kube/typed-api.ts";
import { stopAndRemove, type TestStackd } from "./stackd.ts";

export const chromiumPath = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/** Headless Chromium as the browser tests and the dashboard benchmark run it. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) {
    throw new Error(`no Chromium at ${chromiumPath}: apt-get install chromium (or set CHROMIUM_PATH)`);
  }
  return chromium.launch({
    timeout: 60_000,
    executablePath: chromiumPath,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** Collects the page's uncaught errors and console errors (not the failed-request lines of error answers a test provokes). */
export function pageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource"))
      errors.push(message.text());
  });
  return errors;
}

/** Opens the dashboard and connects with the key; resolves once the live stream's snapshot is drawn. */
export async function openDashboard(page: Page, base: string, apiKey: string): Promise<void> {
  await page.goto(`${base}/dashboard`);
  await page.fill("#api-key", apiKey);
  await page.click("#login-form button");
  await page.waitForSelector("#connection.live");
  await page.waitForSelector("body[data-rendered=true]");
}

const artifacts = resolve(import.meta.dir, "../../test-artifacts");

/** Saves full-page screenshots of the page as `test-artifacts/<prefix>-<name>.png`. */
export function screenshots(page: () => Page, prefix: string): (name: string) => Promise<Buffer> {
  mkdirSync(artifacts, { recursive: true });
  return (name) => page().screenshot({ path: join(artifacts, `${prefix}-${name}.png`), fullPage: true });
}

/** Ends a browser test: the browser, then stackd and its namespace (whichever were started). */
export async function closeBrowserTest(
  kube: TypedKubeClient,
  browser: Browser | undefined,
  service: TestStackd | undefined,
): Promise<void> {
  await browser?.close();
  await stopAndRemove(kube, service);
}

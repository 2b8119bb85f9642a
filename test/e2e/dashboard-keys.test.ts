import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { createLogger } from "../../src/log/logger.ts";
import { closeBrowserTest, launchChromium, openDashboard, pageErrors } from "../helpers/browser.ts";
import { eventually, testKubeClient } from "../helpers/cluster.ts";
import { startTestStackd, type TestStackd } from "../helpers/stackd.ts";

const kube = testKubeClient();
// A key with characters a WebSocket subprotocol cannot carry as they are ('/', '+', '=', ':').
const dashboardKey = "ops/key+with=odd:chars-2f9c";
const dir = mkdtempSync(join(tmpdir(), "stackd-keys-"));
const lines: Array<Record<string, unknown>> = [];
const logger = createLogger({ write: (line) => lines.push(JSON.parse(line) as Record<string, unknown>) });
let service: TestStackd;
let browser: Browser;
let page: Page;
let errors: string[] = [];
const socketUrls: string[] = [];
const requestUrls: string[] = [];

beforeAll(async () => {
  writeFileSync(join(dir, "keys"), `platform platform-key-0a1b2c3d4e5f\nops ${dashboardKey}\n`);
  service = await startTestStackd(kube, { API_KEYS_FILE: join(dir, "keys") }, { logger });
  browser = await launchChromium();
  page = await browser.newPage();
  errors = pageErrors(page);
  page.on("websocket", (socket) => socketUrls.push(socket.url()));
  page.on("request", (request) => requestUrls.push(request.url()));
}, 120_000);

afterAll(async () => {
  await closeBrowserTest(kube, browser, service);
  rmSync(dir, { recursive: true, force: true });
});

describe("the dashboard with a key from API_KEYS_FILE", () => {
  it("goes live with no key in its WebSocket URL, nor in any URL it loads", async () => {
    await openDashboard(page, `http://127.0.0.1:${service.stackd.listen(0).port}`, dashboardKey);
    expect(socketUrls.length).toBeGreaterThan(0);
    for (const url of [...socketUrls, ...requestUrls]) {
      expect(url).not.toContain("api_key");
      expect(url).not.toContain(encodeURIComponent(dashboardKey));
      expect(url).not.toContain("odd:chars");
    }
    expect(await page.evaluate(() => performance.getEntriesByType("navigation").length)).toBe(1);
  });

  it("is logged under the key's name on the live stream's upgrade", async () => {
    const upgrade = await eventually("the stream's access line", async () =>
      lines.find((line) => line.msg === "request" && line.route === "/ws/stacks"),
    );
    expect(upgrade.keyName).toBe("ops");
  });

  it("ran without a script error", () => {
    expect(errors).toEqual([]);
  });
});

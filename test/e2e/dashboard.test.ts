import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { closeBrowserTest, launchChromium, pageErrors, screenshots } from "../helpers/browser.ts";
import { testKubeClient } from "../helpers/cluster.ts";
import { startTestStackd, type TestStackd, testApiKey } from "../helpers/stackd.ts";

const kube = testKubeClient();
let service: TestStackd;
let browser: Browser;
let page: Page;
let base = "";
let errors: string[] = [];

beforeAll(async () => {
  const started = Date.now();
  service = await startTestStackd(kube, { STACK_TTL: "2h" });
  base = `http://127.0.0.1:${service.stackd.listen(0).port}`;
  console.error(`[e2e] stackd ready in ${Date.now() - started} ms`);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  errors = pageErrors(page);
  console.error(`[e2e] Chromium ready in ${Date.now() - started} ms`);
}, 120_000);

afterAll(() => closeBrowserTest(kube, browser, service));

const shot = screenshots(() => page, "dashboard");

describe("the dashboard in headless Chromium", () => {
  it("serves the page without a key and refuses a wrong key", async () => {
    await page.goto(`${base}/dashboard`);
    await page.fill("#api-key", "not-the-key");
    await page.click("#login-form button");
    await page.waitForSelector("#login-error:has-text('invalid api key')");
    await shot("wrong-key");
  });

  it("connects with the key and creates a stack from the form that turns running without a reload", async () => {
    await page.fill("#api-key", testApiKey);
    await page.click("#login-form button");
    await page.waitForSelector("#connection.live");
    await page.click("#create-button");
    const row = page.locator(".stack").first();
    await row.locator(".status.running").waitFor({ timeout: 20_000 });
    const stackId = await row.getAttribute("data-stack-id");
    expect(stackId).toMatch(/^stack-[0-9a-f]{16}$/);
    expect(await page.evaluate(() => performance.getEntriesByType("navigation").length)).toBe(1);
    await shot("running");
  });

  it("shows details: node, copyable address, sanitised spec and a TTL countdown; and the node chart", async () => {
    await page.locator(".stack").first().click();
    await page.waitForSelector("#details:not(.hidden)");
    const address = await page.textContent("#detail-address");
    expect(address).toMatch(/^203\.0\.113\.1[12]:\d+$/);
    // The record's endpoints: the line a player pastes, with a button that copies it.
    const connect = page.locator("#detail-connect .connect-line");
    expect(await connect.locator("code").textContent()).toBe(`nc ${address?.replace(":", " ")}`);
    expect(await connect.locator("button").textContent()).toBe("Copy");
    // The spec is not in the live stream's summary records: the panel fetches it ("loading…" until then).
    await page.waitForSelector("#details-spec:has-text('automountServiceAccountToken: false')");
    const before = await page.textContent("#detail-ttl");
    await page.waitForFunction(
      (first) => document.getElementById("detail-ttl")?.textContent !== first,
      before,
    );
    await page.waitForSelector("#node-chart .bar");
    expect(await page.locator("#node-chart .bar").count()).toBe(1);
    await shot("details");
  });

  it("shows the API's validation error beside the pod spec field", async () => {
    await page.fill("#pod-spec", "apiVersion: v1\nkind: Pod\nspec:\n  hostNetwork: true\n  containers: []");
    await page.click("#create-button");
    await page.waitForSelector("#pod-spec-error:has-text('invalid pod spec')");
    await shot("validation-error");
  });

  it("deletes a stack with its button and the row disappears", async () => {
    await page.locator(".stack button.danger").first().click();
    await page.waitForSelector("#no-stacks:not(.hidden)", { timeout: 20_000 });
    expect(await page.locator(".stack").count()).toBe(0);
    await shot("deleted");
  });

  it("ran without a script error", () => {
    expect(errors).toEqual([]);
  });
});

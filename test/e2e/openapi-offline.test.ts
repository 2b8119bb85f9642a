import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { Browser } from "playwright-core";
import { launchChromium, pageErrors } from "../helpers/browser.ts";
import { fakeStackApp } from "../helpers/fake-app.ts";

let browser: Browser;
const app = fakeStackApp();
let base = "";

beforeAll(async () => {
  app.listen({ hostname: "127.0.0.1", port: 0 });
  base = app.server?.url.toString().replace(/\/$/, "") ?? "";
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await app.stop(true);
});

describe("the /openapi page with no network", () => {
  it("renders Swagger UI from stackd's own assets and shows POST /stacks", async () => {
    const page = await browser.newPage();
    const errors = pageErrors(page);
    const blocked: string[] = [];
    await page.route("**/*", (route) => {
      const { hostname } = new URL(route.request().url());
      if (hostname === "127.0.0.1" || hostname === "localhost") return route.continue();
      blocked.push(route.request().url());
      return route.abort("internetdisconnected");
    });
    await page.goto(`${base}/openapi`);
    const createOperation = page.locator(".opblock-post", { hasText: "/stacks" }).first();
    await createOperation.waitFor({ timeout: 15_000 });
    expect(await createOperation.locator(".opblock-summary-method").textContent()).toBe("POST");
    expect(blocked).toEqual([]);
    expect(errors).toEqual([]);
  });
});

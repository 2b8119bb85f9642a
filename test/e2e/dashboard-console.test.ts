import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { Browser, Page, Route } from "playwright-core";
import {
  closeBrowserTest,
  launchChromium,
  openDashboard,
  pageErrors,
  screenshots,
} from "../helpers/browser.ts";
import { eventually, testKubeClient } from "../helpers/cluster.ts";
import { podSpecYaml, startTestStackd, type TestStackd, testApiKey } from "../helpers/stackd.ts";

// The operations console against a real stackd and cluster. Answers that are hard to provoke for real (a
// job with errors, a 409, an older stackd's 404s) are mocked with page.route; labels are set on the live
// stream's records as they arrive (page.routeWebSocket). The real batch delete and extend routes are
// tested against the cluster in test/integration/api/.

const kube = testKubeClient();
let service: TestStackd;
let browser: Browser;
let page: Page;
let errors: string[] = [];
/** Every live-stream frame the page was sent, as the server sent it. */
const frames: string[] = [];
// biome-ignore lint/suspicious/noExplicitAny: API records, read field by field.
const stacks: Record<"alpha" | "beta" | "gamma" | "broken", any> = {} as never;
const labelsOf = new Map<string, Record<string, string>>();

const create = async (podLabels: Record<string, string> = {}) => {
  const answer = await service.call("POST", "/stacks", {
    target_port: 80,
    pod_spec: podSpecYaml({ labels: podLabels }),
  });
  expect(answer.status).toBe(201);
  return answer.body;
};

/** The records as the labels branch will send them: the same, with a `labels` object. */
function withLabels(frame: string): string {
  const message = JSON.parse(frame);
  const label = (record: { stack_id: string }) => ({
    ...record,
    labels: labelsOf.get(record.stack_id) ?? {},
  });
  if (message.type === "snapshot" || message.type === "snapshot_part")
    message.stacks = message.stacks.map(label);
  if (message.type === "change") message.stack = label(message.stack);
  return JSON.stringify(message);
}

beforeAll(async () => {
  service = await startTestStackd(kube, { STACK_TTL: "2h" });
  const base = `http://127.0.0.1:${service.stackd.listen(0).port}`;
  stacks.alpha = await create();
  stacks.beta = await create();
  stacks.gamma = await create();
  stacks.broken = await create({ "pod-container-running-failed.stage.kwok.x-k8s.io": "true" });
  labelsOf.set(stacks.alpha.stack_id, { team: "red", challenge: "web" });
  labelsOf.set(stacks.beta.stack_id, { team: "blue", challenge: "web" });
  labelsOf.set(stacks.gamma.stack_id, { team: "blue", challenge: "pwn" });
  labelsOf.set(stacks.broken.stack_id, { team: "green", challenge: "web" });
  stacks.broken = await eventually("the broken stack failed", async () => {
    const record = (await service.call("GET", `/stacks/${stacks.broken.stack_id}`)).body;
    return record.status === "failed" ? record : undefined;
  });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  errors = pageErrors(page);
  await page.routeWebSocket(/\/ws\/stacks/, (socket) => {
    const server = socket.connectToServer();
    server.onMessage((frame) => {
      frames.push(String(frame));
      socket.send(withLabels(String(frame)));
    });
  });
  await openDashboard(page, base, testApiKey);
}, 120_000);

afterAll(() => closeBrowserTest(kube, browser, service));

const shot = screenshots(() => page, "console");
const row = (stackId: string) => page.locator(`.stack[data-stack-id="${stackId}"]`);

/** The ids of the rows drawn, top to bottom. */
const shownIds = () =>
  page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>("#stack-canvas .stack"))
      .sort((a, b) => a.getBoundingClientRect().top - b.getBoundingClientRect().top)
      .map((element) => element.dataset.stackId),
  );

/** Waits until `read` gives `expected` (the page redraws on its next frame), then checks it, so a failure shows both. */
async function expectSettled<T>(read: () => Promise<T>, expected: Awaited<T>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && JSON.stringify(await read()) !== JSON.stringify(expected))
    await Bun.sleep(50);
  expect(await read()).toEqual(expected);
}

/** Waits until the rows drawn are `expected` (as a set, or in that order when `anyOrder` is false). */
const expectShown = (expected: string[], anyOrder = true) =>
  anyOrder
    ? expectSettled(async () => (await shownIds()).sort(), [...expected].sort())
    : expectSettled(shownIds, expected);

/** Waits until the element's text is `expected` (it changes on the page's next frame), then checks it. */
async function expectText(selector: string, expected: string): Promise<void> {
  await page
    .waitForFunction(
      ([css, text]) => document.querySelector(css)?.textContent === text,
      [selector, expected] as const,
      {
        timeout: 10_000,
      },
    )
    .catch(() => undefined);
  expect(await page.textContent(selector)).toBe(expected);
}

const all = () => [stacks.alpha, stacks.beta, stacks.gamma, stacks.broken].map((stack) => stack.stack_id);

describe("the dashboard as an operations console", () => {
  it("shows each stack with its labels and a failed stack's reason in its row; the stream carries no pod_spec", async () => {
    await expectShown(all());
    expect(await row(stacks.broken.stack_id).locator(".c-reason").textContent()).toBe(
      stacks.broken.status_reason,
    );
    expect(stacks.broken.status_reason).toContain("exited with code 1");
    expect(await row(stacks.alpha.stack_id).locator(".c-labels").textContent()).toBe(
      "challenge=web team=red",
    );
    expect(frames.length).toBeGreaterThan(0);
    expect(frames.filter((frame) => frame.includes("pod_spec"))).toEqual([]);
    await shot("all");
  });

  it("filters by status, label and node, and searches by id or label", async () => {
    await page.selectOption("#filter-status", "failed");
    await expectShown([stacks.broken.stack_id]);
    await page.selectOption("#filter-status", "");
    await page.fill("#filter-label", "team=blue");
    await expectShown([stacks.beta.stack_id, stacks.gamma.stack_id]);
    await page.fill("#filter-label", "team=blue, challenge=pwn");
    await expectShown([stacks.gamma.stack_id]);
    await page.fill("#filter-label", "challenge");
    await expectShown(all());
    await page.fill("#filter-label", "");
    await page.fill("#search", "PWN");
    await expectShown([stacks.gamma.stack_id]);
    await page.fill("#search", stacks.alpha.stack_id.slice(-7));
    await expectShown([stacks.alpha.stack_id]);
    await expectText("#shown-count", "1 of 4 stacks shown");
    await page.fill("#search", "");
    const node = stacks.alpha.node_id;
    const onNode = all().filter(
      (id) =>
        [stacks.alpha, stacks.beta, stacks.gamma, stacks.broken].find((s) => s.stack_id === id)?.node_id ===
        node,
    );
    await page.selectOption("#filter-node", node);
    await expectShown(onNode);
    await page.selectOption("#filter-node", "");
    await expectShown(all());
  });

  it("sorts by any column, both ways", async () => {
    await page.click("[data-sort=stack]");
    await expectShown([...all()].sort(), false);
    await expectSettled(() => page.getAttribute(".row.head .c-id", "aria-sort"), "ascending");
    await page.click("[data-sort=stack]");
    await expectShown([...all()].sort().reverse(), false);
    await page.click("[data-sort=labels]");
    const byLabels = [stacks.gamma, stacks.beta, stacks.broken, stacks.alpha].map((stack) => stack.stack_id);
    await expectShown(byLabels, false);
    await page.click("[data-sort=status]");
    const running = [stacks.alpha, stacks.beta, stacks.gamma].map((stack) => stack.stack_id).sort();
    await expectShown([stacks.broken.stack_id, ...running], false);
    for (const column of ["reason", "node", "address", "created", "ttl"]) {
      await page.click(`[data-sort=${column}]`);
      await expectShown(all());
      await expectSettled(() => page.getAttribute(`[data-sort=${column}]`, "data-direction"), "asc");
    }
    await page.click("[data-sort=stack]");
    await expectShown([...all()].sort(), false);
  });

  it("groups the stacks per node under a heading with each node's count", async () => {
    await page.check("#group-by-node");
    const records = [stacks.alpha, stacks.beta, stacks.gamma, stacks.broken];
    const counts = new Map<string, number>();
    for (const record of records) counts.set(record.node_id, (counts.get(record.node_id) ?? 0) + 1);
    const headings = page.locator("#stack-canvas .node-group");
    await expectSettled(
      async () => (await headings.allTextContents()).sort(),
      [...counts].map(([node, count]) => `${node} · ${count} stack${count === 1 ? "" : "s"}`).sort(),
    );
    await shot("per-node");
    await page.uncheck("#group-by-node");
    await expectSettled(() => headings.count(), 0);
  });

  it("loads a stack's pod spec on demand with GET /stacks/{id}", async () => {
    const request = page.waitForRequest(
      (sent) =>
        sent.method() === "GET" && new URL(sent.url()).pathname === `/stacks/${stacks.alpha.stack_id}`,
    );
    await row(stacks.alpha.stack_id).locator(".c-id").click();
    await request;
    await page.waitForSelector("#details-spec:has-text('automountServiceAccountToken: false')");
    expect(await page.textContent("#detail-address")).toBe(
      `${stacks.alpha.node_public_ip}:${stacks.alpha.node_port}`,
    );
  });

  it("updates a row in place: the element keeps its identity when its stack fails", async () => {
    const element = await row(stacks.alpha.stack_id).elementHandle();
    await kube.core.deleteNamespacedPod({ name: stacks.alpha.pod_id, namespace: service.namespace });
    await row(stacks.alpha.stack_id).locator(".status.failed").waitFor({ timeout: 20_000 });
    const same = await page.evaluate(
      ([kept, stackId]) =>
        kept === document.querySelector(`.stack[data-stack-id="${stackId}"]`) && kept?.isConnected,
      [element, stacks.alpha.stack_id] as const,
    );
    expect(same).toBe(true);
    const reason = (await service.call("GET", `/stacks/${stacks.alpha.stack_id}`)).body.status_reason;
    expect(reason).toBeTruthy();
    expect(await row(stacks.alpha.stack_id).locator(".c-reason").textContent()).toBe(reason);
  });

  it("extends the TTL through POST /stacks/{id}/extend and shows a 409's error (mocked route)", async () => {
    const bodies: unknown[] = [];
    const expires = new Date(Date.now() + 3 * 3_600_000).toISOString();
    let calls = 0;
    await page.route("**/stacks/*/extend", (route: Route) => {
      bodies.push(route.request().postDataJSON());
      calls += 1;
      return calls === 1
        ? route.fulfill({ status: 200, json: { ...stacks.beta, ttl_expires_at: expires } })
        : route.fulfill({
            status: 409,
            json: { error: "stack cannot be extended past its maximum lifetime" },
          });
    });
    await row(stacks.beta.stack_id).locator(".c-id").click();
    await page.fill("#extend-ttl", "30m");
    await page.click("#extend-button");
    await page.waitForSelector(`#extend-result:has-text('extended')`);
    await page.waitForSelector(`#detail-expires:has-text('${expires}')`);
    expect(await page.textContent("#detail-ttl")).toMatch(/^(2:59|3:00):\d\d$/);
    await page.fill("#extend-ttl", "");
    await page.click("#extend-button");
    await page.waitForSelector("#extend-result:has-text('maximum lifetime')");
    expect(bodies).toEqual([{ ttl: "30m" }, {}]);
    await page.unroute("**/stacks/*/extend");
  });

  it("says so when the server has no extend route (an older stackd's 404)", async () => {
    await page.route("**/stacks/*/extend", (route: Route) =>
      route.fulfill({ status: 404, json: { error: "not found" } }),
    );
    await page.click("#extend-button");
    await page.waitForSelector("#extend-result:has-text('cannot extend')");
    expect(await page.isDisabled("#extend-button")).toBe(true);
    await page.unroute("**/stacks/*/extend");
  });

  it("shows a failed delete in the row and as a notice", async () => {
    const path = `**/stacks/${stacks.gamma.stack_id}`;
    await page.route(path, (route) =>
      route.request().method() === "DELETE"
        ? route.fulfill({ status: 503, json: { error: "kubernetes unavailable: timeout" } })
        : route.continue(),
    );
    await row(stacks.gamma.stack_id).locator("button.danger").click();
    const reason = row(stacks.gamma.stack_id).locator(".c-reason.error");
    await reason.waitFor();
    expect(await reason.textContent()).toBe("delete failed: kubernetes unavailable: timeout");
    expect(await page.textContent("#notices")).toContain(`delete of ${stacks.gamma.stack_id} failed`);
    await page.unroute(path);
  });

  it("deletes the selected stacks through batch delete after a confirmation, with the job's errors (mocked routes)", async () => {
    const posted: unknown[] = [];
    const polls: string[] = [];
    await page.route("**/stacks/batch-delete**", async (route) => {
      const request = route.request();
      if (request.method() === "POST") {
        posted.push(request.postDataJSON());
        await service.call("DELETE", `/stacks/${stacks.beta.stack_id}`);
        return route.fulfill({ status: 202, json: { job_id: "job-1" } });
      }
      polls.push(new URL(request.url()).pathname);
      const counters = { total: 2, deleted: 1, not_found: 0 };
      return polls.length === 1
        ? route.fulfill({ json: { status: "running", ...counters, failed: 0, errors: [] } })
        : route.fulfill({
            json: {
              status: "completed",
              ...counters,
              failed: 1,
              errors: [{ stack_id: stacks.gamma.stack_id, error: "kubernetes unavailable: timeout" }],
            },
          });
    });
    await row(stacks.beta.stack_id).locator("input[data-action=select]").check();
    await row(stacks.gamma.stack_id).locator("input[data-action=select]").check();
    await expectText("#selected-count", "2 selected");
    await page.click("#delete-selected");
    await page.waitForSelector("#confirm-delete[open]");
    expect(await page.textContent("#confirm-delete-text")).toContain("Delete 2 stacks?");
    await shot("confirm");
    await page.click("#confirm-delete-no");
    expect(await page.isVisible("#confirm-delete")).toBe(false);
    expect(posted).toEqual([]);
    await page.click("#delete-selected");
    await page.click("#confirm-delete-yes");
    await page.waitForSelector("#batch-progress[data-status=completed]");
    expect(posted).toEqual([
      { stack_ids: expect.arrayContaining([stacks.beta.stack_id, stacks.gamma.stack_id]) },
    ]);
    expect(polls[0]).toBe("/stacks/batch-delete/job-1");
    expect(await page.textContent("#batch-progress")).toBe(
      "completed: 1 deleted, 0 not found, 1 failed of 2",
    );
    expect(await page.textContent("#batch-errors")).toBe(
      `${stacks.gamma.stack_id}: kubernetes unavailable: timeout`,
    );
    await row(stacks.beta.stack_id).waitFor({ state: "detached", timeout: 20_000 });
    await expectText("#selected-count", "");
    await shot("batch-delete");
    await page.unroute("**/stacks/batch-delete**");
  });

  it("selects every stack shown and deletes them one by one when the server has no batch route", async () => {
    // An older stackd: its router answers 404 for the batch route.
    await page.route("**/stacks/batch-delete**", (route: Route) =>
      route.fulfill({ status: 404, json: { error: "not found" } }),
    );
    await page.selectOption("#filter-status", "failed");
    await expectShown([stacks.alpha.stack_id, stacks.broken.stack_id]);
    await page.check("#select-all");
    await expectText("#selected-count", "2 selected");
    await page.click("#delete-selected");
    await page.click("#confirm-delete-yes");
    await page.waitForSelector("#batch-progress[data-status=completed]", { timeout: 20_000 });
    expect(await page.textContent("#batch-progress")).toBe(
      "completed: 2 deleted, 0 not found, 0 failed of 2 (this stackd has no batch delete: one DELETE per stack)",
    );
    await page.selectOption("#filter-status", "");
    await expectShown([stacks.gamma.stack_id]);
    await page.unroute("**/stacks/batch-delete**");
  });

  it("deletes the selected stacks through the real batch delete route", async () => {
    const first = await create();
    const second = await create();
    await row(first.stack_id).waitFor();
    await row(second.stack_id).waitFor();
    await row(first.stack_id).locator("input[data-action=select]").check();
    await row(second.stack_id).locator("input[data-action=select]").check();
    await page.click("#delete-selected");
    await page.click("#confirm-delete-yes");
    await page.waitForSelector("#batch-progress[data-status=completed]", { timeout: 30_000 });
    expect(await page.textContent("#batch-progress")).toBe(
      "completed: 2 deleted, 0 not found, 0 failed of 2",
    );
    await row(first.stack_id).waitFor({ state: "detached", timeout: 20_000 });
    await row(second.stack_id).waitFor({ state: "detached", timeout: 20_000 });
  });

  it("ran without a script error", () => {
    expect(errors).toEqual([]);
  });
});

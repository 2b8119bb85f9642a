import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { Browser, Page } from "playwright-core";
import { kwokContainerLogLines } from "../../tools/cluster/kwok-config.ts";
import {
  closeBrowserTest,
  launchChromium,
  openDashboard,
  pageErrors,
  screenshots,
} from "../helpers/browser.ts";
import { eventually, testKubeClient } from "../helpers/cluster.ts";
import { podSpecYaml, startTestStackd, type TestStackd, testApiKey } from "../helpers/stackd.ts";

// The console explaining a stack against a real stackd and cluster: the Pod's events come from the API
// server, its log lines from kwok's kubelet endpoint through pods/log, the nodes from GET /nodes.

const kube = testKubeClient();
let service: TestStackd;
let browser: Browser;
let page: Page;
let errors: string[] = [];
let stackId = "";

beforeAll(async () => {
  service = await startTestStackd(kube);
  const base = `http://127.0.0.1:${service.stackd.listen(0).port}`;
  const created = await service.call("POST", "/stacks", {
    target_port: 80,
    pod_spec: podSpecYaml({ containers: 2 }),
  });
  expect(created.status).toBe(201);
  stackId = created.body.stack_id;
  await eventually("the Scheduled event", async () => {
    const answer = await service.call("GET", `/stacks/${stackId}/events`);
    return answer.body?.events?.length > 0 ? true : undefined;
  });
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  errors = pageErrors(page);
  await openDashboard(page, base, testApiKey);
}, 120_000);

afterAll(() => closeBrowserTest(kube, browser, service));

const shot = screenshots(() => page, "diagnostics");

describe("the stack details", () => {
  it("show the Pod's events and its first container's last log lines when a stack is opened", async () => {
    await page.locator(`.stack[data-stack-id="${stackId}"] .c-id`).click();
    await page.waitForSelector("#details-events li:has-text('Scheduled')");
    expect(await page.textContent("#details-events")).toContain(
      `Successfully assigned ${service.namespace}/${stackId}`,
    );
    await page.waitForFunction(
      (text) => document.querySelector("#details-logs")?.textContent === text,
      kwokContainerLogLines.join("\n"),
    );
    expect(await page.inputValue("#logs-container")).toBe("app");
    await shot("details");
  });

  it("load another container's lines when it is chosen, and again on Refresh", async () => {
    const asked = page.waitForRequest(
      (sent) => new URL(sent.url()).searchParams.get("container") === "side0",
    );
    await page.selectOption("#logs-container", "side0");
    await asked;
    const again = page.waitForRequest((sent) => new URL(sent.url()).pathname === `/stacks/${stackId}/events`);
    await page.click("#diagnostics-refresh");
    await again;
    expect(await page.textContent("#details-logs")).toBe(kwokContainerLogLines.join("\n"));
  });

  it("say why there are no logs when the Pod is gone", async () => {
    await kube.core.deleteNamespacedPod({
      name: stackId,
      namespace: service.namespace,
      gracePeriodSeconds: 0,
    });
    await eventually("the logs to be refused", async () => {
      await page.click("#diagnostics-refresh");
      const text = await page.textContent("#details-logs");
      return text?.startsWith("no logs:") ? text : undefined;
    });
    expect(await page.textContent("#details-logs")).toBe(
      "no logs: logs not available yet: the stack's pod is gone",
    );
  });
});

describe("the nodes view", () => {
  it("lists each stack node with its capacity, stacks and the free NodePorts", async () => {
    await page.waitForSelector('#nodes-rows tr[data-node="stack-node-1"]');
    const cells = await page.locator('#nodes-rows tr[data-node="stack-node-1"] td').allTextContents();
    expect(cells.slice(0, 5)).toEqual(["stack-node-1", "203.0.113.11", "ready", "64 / 64", "256Gi / 256Gi"]);
    expect(await page.locator('#nodes-rows tr[data-node="backend-node-1"]').count()).toBe(0);
    expect(await page.textContent("#nodes-ports")).toMatch(/^\d+ free NodePorts \(cluster-wide\)$/);
    // The Stacks column is the API's own count for each node, as of a Refresh.
    const refreshed = page.waitForResponse((answer) => new URL(answer.url()).pathname === "/nodes");
    await page.click("#nodes-refresh");
    await refreshed;
    await page.evaluate(() => new Promise(requestAnimationFrame));
    const api = (await service.call("GET", "/nodes")).body.nodes as Array<{ name: string; stacks: number }>;
    const shown = await page.locator("#nodes-rows tr td:nth-child(6)").allTextContents();
    expect(shown).toEqual(api.map((node) => String(node.stacks)));
    await shot("nodes");
  });

  it("raised no page errors", () => {
    expect(errors).toEqual([]);
  });
});

import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import type { Page } from "playwright-core";
import { launchChromium, pageErrors } from "../test/helpers/browser.ts";
import { startSyntheticStackd } from "./synthetic-live-server.ts";

/**
 * Issue 11's browser figures: the dashboard in headless Chromium with BENCH_DASHBOARD_STACKS stacks
 * (default 10,000) fed by a synthetic stream (same protocol, `fields=summary`), then a burst of
 * BENCH_DASHBOARD_BURST creates (default 100) that turn running within 2 s, then sorting, filtering and
 * scrolling. Goals: no main-thread task over 100 ms, first render under 1 s. Long tasks are Chromium's
 * `longtask` entries (every task over 50 ms). Prints a table; writes bench/results/dashboard.json.
 *
 *   tools/bun.sh run bench:dashboard
 */
const repo = resolve(import.meta.dir, "..");
const stackCount = Number(process.env.BENCH_DASHBOARD_STACKS ?? 10_000);
const burstSize = Number(process.env.BENCH_DASHBOARD_BURST ?? 100);
const rounds = Number(process.env.BENCH_DASHBOARD_ROUNDS ?? 3);
const log = (message: string) => console.error(`[bench:dashboard] ${message}`);

declare global {
  interface Window {
    benchLongTasks: number[];
  }
}

/** Records every long task from the start of the page, before its own code runs. */
const observeLongTasks = () => {
  window.benchLongTasks = [];
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) window.benchLongTasks.push(entry.duration);
  }).observe({ type: "longtask", buffered: true });
  sessionStorage.setItem("stackd-api-key", "bench");
};

const takeLongTasks = (page: Page) =>
  page.evaluate(() => {
    const tasks = window.benchLongTasks;
    window.benchLongTasks = [];
    return tasks;
  });

const settle = (page: Page) =>
  page.evaluate(() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 300))));

interface Phase {
  phase: string;
  longTasks: number;
  maxTaskMs: number;
  ms?: number;
}

const phaseOf = (phase: string, tasks: number[], ms?: number): Phase => ({
  phase,
  longTasks: tasks.length,
  maxTaskMs: Math.round(Math.max(0, ...tasks)),
  ...(ms === undefined ? {} : { ms: Math.round(ms) }),
});

async function oneRound(round: number): Promise<Phase[]> {
  const feed = startSyntheticStackd(stackCount);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    const errors = pageErrors(page);
    await page.addInitScript(observeLongTasks);
    await page.goto(`${feed.url}/dashboard`);
    await page.waitForSelector("body[data-rendered=true]", { timeout: 30_000 });
    const firstRender = await page.evaluate(
      () => performance.getEntriesByName("stackd:first-render")[0]?.startTime ?? Number.NaN,
    );
    await settle(page);
    const phases = [phaseOf("load and first render", await takeLongTasks(page), firstRender)];

    const burstStart = Date.now();
    feed.burst(burstSize, 2_000);
    const total = `${stackCount + burstSize} stacks`;
    await page.waitForFunction((text) => document.getElementById("shown-count")?.textContent === text, total);
    const shownMs = Date.now() - burstStart;
    await Bun.sleep(2_200);
    await settle(page);
    phases.push(
      phaseOf(`burst of ${burstSize} creates (+${burstSize} running)`, await takeLongTasks(page), shownMs),
    );

    for (const column of ["node", "labels", "stack"]) {
      const started = Date.now();
      await page.click(`[data-sort=${column}]`);
      await settle(page);
      phases.push(phaseOf(`sort by ${column}`, await takeLongTasks(page), Date.now() - started - 300));
    }
    const started = Date.now();
    await page.fill("#filter-label", "team=team-7");
    await settle(page);
    phases.push(phaseOf("label filter team=team-7", await takeLongTasks(page), Date.now() - started - 300));
    await page.fill("#filter-label", "");
    await page.check("#group-by-node");
    await settle(page);
    phases.push(phaseOf("per-node view", await takeLongTasks(page)));
    for (let step = 0; step < 20; step += 1) await page.mouse.wheel(0, 2_000);
    await settle(page);
    phases.push(phaseOf("scroll 40,000 px", await takeLongTasks(page)));
    if (errors.length > 0) throw new Error(`page errors: ${errors.join("; ")}`);
    log(`round ${round}: first render ${Math.round(firstRender)} ms`);
    return phases;
  } finally {
    await browser.close();
    feed.stop();
  }
}

const results: Phase[][] = [];
for (let round = 1; round <= rounds; round += 1) results.push(await oneRound(round));

const summary = (results[0] ?? []).map((first, index) => {
  const runs = results.map((phases) => phases[index] as Phase);
  return {
    phase: first.phase,
    maxTaskMs: Math.max(...runs.map((run) => run.maxTaskMs)),
    longTasks: runs.map((run) => run.longTasks),
    ms: runs.map((run) => run.ms),
  };
});
console.log(`dashboard, ${stackCount} stacks, ${rounds} rounds, load average ${loadavg()[0]?.toFixed(1)}`);
console.log(
  "| phase | longest task (ms, of all rounds) | tasks over 50 ms per round | time per round (ms) |",
);
console.log("| --- | ---: | --- | --- |");
for (const row of summary)
  console.log(
    `| ${row.phase} | ${row.maxTaskMs} | ${row.longTasks.join(", ")} | ${row.ms.every((ms) => ms === undefined) ? "" : row.ms.join(", ")} |`,
  );
const result = {
  at: new Date().toISOString(),
  stacks: stackCount,
  burst: burstSize,
  rounds,
  loadAverage: loadavg()[0],
  goals: { maxTaskMs: 100, firstRenderMs: 1_000 },
  summary,
  results,
};
mkdirSync(join(repo, "bench", "results"), { recursive: true });
writeFileSync(join(repo, "bench", "results", "dashboard.json"), `${JSON.stringify(result, null, 2)}\n`);
log("wrote bench/results/dashboard.json");

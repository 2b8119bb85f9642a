import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { V1Pod } from "@kubernetes/client-node";
import { defaultPodSpecLimits, sanitizePodSpec } from "../src/podspec/sanitize-pod-spec.ts";
import { contractPodSpec as contractExample } from "../test/helpers/stackd.ts";
import { applyNamespaceSecurity, fakeNode } from "../tools/cluster/fixture.ts";
import { freshBenchCluster } from "./bench-cluster.ts";
import { BenchStackd, benchHeaders } from "./bench-stackd.ts";
import { measureFloor } from "./floor.ts";
import { observabilityCostPerCreateMs } from "./observability-cost.ts";
import { benchPodSpec } from "./pod-spec.ts";
import { round, type Summary, summarise, timed } from "./stats.ts";

/**
 * stackd's benchmark, against a real local cluster of its own (STACKD_CLUSTER=bench, a wide NodePort
 * range, kwok nodes sized for the load). Prints a table and writes bench/results/latest.json.
 * BENCH_STACKS (default 10000) sets the load for the list/stats/memory part. BENCH_BASELINE_REF (a git
 * ref, e.g. the commit before a change) also runs that version of stackd in the same run, side by side.
 */
const repo = resolve(import.meta.dir, "..");
const totalStacks = Number(process.env.BENCH_STACKS ?? 10_000);
const sequentialCount = Number(process.env.BENCH_SEQUENTIAL ?? 200);
const concurrentCount = Number(process.env.BENCH_CONCURRENT ?? 500);
const nodeRole = "bench";
const log = (message: string) =>
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

const { kubeconfigPath, kube } = await freshBenchCluster(log);

const stamp = Date.now().toString(36);
const namespace = `bench-${stamp}`;
const floorNamespace = `bench-floor-${stamp}`;
const baselineNamespace = `bench-base-${stamp}`;
const observedNamespace = `bench-observed-${stamp}`;
const bareNamespace = `bench-bare-${stamp}`;
for (const name of [namespace, floorNamespace, baselineNamespace, observedNamespace, bareNamespace]) {
  await kube.core.createNamespace({ body: { metadata: { name } } });
  // Pod Security labels and the ingress NetworkPolicy that STACK_REQUIRE_INGRESS_NETWORK_POLICY asks for.
  await applyNamespaceSecurity(kube, name);
}
const baselineRef = process.env.BENCH_BASELINE_REF ?? "";
const nodeCount = Math.ceil(
  (totalStacks + (concurrentCount + sequentialCount) * 4 + sequentialCount * 2) / 900,
);
for (let index = 0; index < nodeCount; index += 1) {
  const node = fakeNode(
    { name: `bench-${stamp}-${index}`, role: "stack" },
    { cpu: "4000", memory: "16Ti", pods: "1000" },
  );
  node.metadata = { ...node.metadata, labels: { ...node.metadata?.labels, role: nodeRole } };
  await kube.core.createNode({ body: node });
}
for (;;) {
  try {
    await kube.core.readNamespacedServiceAccount({ name: "default", namespace });
    await kube.core.readNamespacedServiceAccount({ name: "default", namespace: floorNamespace });
    break;
  } catch {
    await Bun.sleep(200);
  }
}
log(`namespaces ${namespace}, ${floorNamespace}; ${nodeCount} kwok nodes of 1000 pods`);

const podSpec = benchPodSpec;
const sanitised = sanitizePodSpec(podSpec, 80);

/** Validation cost, pure: the contract's example, and a valid spec padded to the YAML size limit. */
function validationTimings(): Array<[string, number[]]> {
  const atLimit = `${contractExample}\n${"# padding to the size limit\n".repeat(
    Math.floor((defaultPodSpecLimits.maxYamlBytes - contractExample.length - 64) / 28),
  )}`;
  const measure = (yaml: string) => {
    for (let index = 0; index < 50; index += 1) sanitizePodSpec(yaml, 80);
    return Array.from({ length: 300 }, () => {
      const started = performance.now();
      sanitizePodSpec(yaml, 80);
      return performance.now() - started;
    });
  };
  return [
    ["validate the contract's example pod spec", measure(contractExample)],
    [`validate a pod spec at the ${defaultPodSpecLimits.maxYamlBytes / 1024} KiB limit`, measure(atLimit)],
  ];
}
const validation = validationTimings();

const floorOptions = {
  kube,
  namespace: floorNamespace,
  nodeRole,
  sanitisedPod: sanitised.pod as unknown as V1Pod,
};

const headers = benchHeaders;
/** A stackd of this run, stack records in /tmp. */
const benchStackd = (
  label: string,
  cwd: string,
  stackNamespace: string,
  portRange: [number, number],
  overrides: Record<string, string> = {},
  stderr: "inherit" | "ignore" = "inherit",
) =>
  new BenchStackd({
    label,
    cwd,
    namespace: stackNamespace,
    portRange,
    kubeconfigPath,
    nodeRole,
    dbPath: join("/tmp", `stackd-bench-${stamp}-${label.replace(/\W+/g, "-")}.db`),
    overrides,
    stderr,
    log,
  });

/** A checkout of `ref` beside the repo, sharing its node_modules, for a side-by-side baseline. */
async function baselineCheckout(ref: string): Promise<string> {
  const dir = join("/tmp", `stackd-baseline-${ref.replace(/[^A-Za-z0-9]/g, "_")}`);
  if (!existsSync(dir)) {
    const added = Bun.spawnSync(["git", "worktree", "add", "--detach", dir, ref], {
      cwd: repo,
      stderr: "pipe",
    });
    if (added.exitCode !== 0) throw new Error(`git worktree add ${ref} failed: ${added.stderr.toString()}`);
  }
  if (!existsSync(join(dir, "node_modules")))
    symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"));
  return dir;
}

const current = benchStackd("current", repo, namespace, [21000, 32999]);
await current.ready();
const baseline = baselineRef
  ? benchStackd(
      `baseline ${baselineRef}`,
      await baselineCheckout(baselineRef),
      baselineNamespace,
      [33000, 33999],
    )
  : undefined;
await baseline?.ready();
await Bun.sleep(2000);
const rssEmpty = current.rssKb();

log(`floor: ${sequentialCount} sequential direct creates`);
const floorSequential = await measureFloor({
  ...floorOptions,
  firstPort: 20000,
  count: sequentialCount,
  concurrency: 1,
  prefix: "seq",
});
log(`stackd: ${sequentialCount} sequential creates`);
const currentSequential = await current.sequential(sequentialCount);
if (baseline) log(`${baseline.label}: ${sequentialCount} sequential creates`);
const baselineSequential = await baseline?.sequential(sequentialCount);
log(`floor: ${concurrentCount} concurrent direct creates`);
const floorConcurrent = await measureFloor({
  ...floorOptions,
  firstPort: 20000 + sequentialCount,
  count: concurrentCount,
  concurrency: concurrentCount,
  prefix: "con",
});
log(`stackd: ${concurrentCount} concurrent creates`);
const currentConcurrent = await current.burst(concurrentCount);
if (baseline) log(`${baseline.label}: ${concurrentCount} concurrent creates`);
const baselineConcurrent = await baseline?.burst(concurrentCount);
await baseline?.stop();

// Issue 10's overhead figure: metrics and access logs on sequential creates, measured as an A/B in
// alternating rounds so that the machine's drift falls on both sides alike. (Its burst figure, the
// default configuration against the floor, is bench/burst.ts: bursts need an emptied cluster each.)
const observed = benchStackd(
  "observed",
  repo,
  observedNamespace,
  [36000, 37999],
  { LOG_LEVEL: "info" },
  "ignore",
);
const bare = benchStackd("bare", repo, bareNamespace, [38000, 39999], { METRICS_ENABLED: "false" }, "ignore");
await Promise.all([observed.ready(), bare.ready()]);
const observedSequential: number[] = [];
const bareSequential: number[] = [];
// Short rounds (10 creates), the first side turning round each time: the machine's drift over a round
// is then small, and falls on both sides alike.
const rounds = Math.max(1, Math.ceil(sequentialCount / 10));
log(
  `metrics and access logs: ${sequentialCount} sequential creates each, in ${rounds * 2} alternating rounds`,
);
for (let round = 0; round < rounds; round += 1) {
  const perRound = Math.ceil(sequentialCount / rounds);
  const sides: Array<[BenchStackd, number[]]> = [
    [bare, bareSequential],
    [observed, observedSequential],
  ];
  if (round % 2 === 1) sides.reverse();
  for (const [stackd, samples] of sides) samples.push(...(await stackd.sequential(perRound)).post);
}
await Promise.all([observed.stop(), bare.stop()]);

/** Loads the current stackd to `target` stacks, 50 creates at a time; answers creates per second. */
async function loadTo(target: number): Promise<number> {
  const stats = (await (await fetch(`${current.base}/stats`, { headers })).json()) as {
    total_stacks: number;
  };
  const missing = Math.max(0, target - stats.total_stacks);
  const loadStarted = performance.now();
  await timed(missing, 50, async () => {
    await current.create();
  });
  return missing / Math.max(0.001, (performance.now() - loadStarted) / 1000);
}
const thousand = Math.min(1000, totalStacks);
log(`stackd: loading to ${thousand} stacks`);
await loadTo(thousand);
await Bun.sleep(3000);
const rssAtThousand = current.rssKb();
log(`stackd: loading to ${totalStacks} stacks (50 creates at a time)`);
const loadRate = await loadTo(totalStacks);
await Bun.sleep(5000);
const rssLoaded = current.rssKb();

const get = (path: string) => async () => {
  const response = await fetch(`${current.base}${path}`, { headers });
  await response.arrayBuffer();
};
log(`stackd: GET /stacks and GET /stats with ${totalStacks} stacks`);
await timed(5, 1, get("/stacks"));
const listLatency = await timed(50, 1, get("/stacks"));
const statsLatency = await timed(200, 1, get("/stats"));
const stats = (await (await fetch(`${current.base}/stats`, { headers })).json()) as { total_stacks: number };
await Bun.sleep(2000);
// After the reads too: GET /stacks keeps its encoded body cached until the next change.
const rssAfterReads = current.rssKb();
await current.stop();

const rows: Array<[string, Summary]> = [
  ["floor: create + bind, sequential", summarise(floorSequential.bound)],
  ["stackd: POST /stacks, sequential", summarise(currentSequential.post)],
  ["floor: create to Ready, sequential", summarise(floorSequential.ready)],
  ["stackd: POST start to running (live stream), sequential", summarise(currentSequential.toRunning)],
  ["floor: create + bind, 500 concurrent", summarise(floorConcurrent.bound)],
  ["stackd: POST /stacks, 500 concurrent", summarise(currentConcurrent)],
  [`stackd: GET /stacks at ${stats.total_stacks} stacks`, summarise(listLatency)],
  [`stackd: GET /stats at ${stats.total_stacks} stacks`, summarise(statsLatency)],
  ...validation.map(([name, samples]): [string, Summary] => [name, summarise(samples)]),
  ["stackd without metrics, access logs off: POST /stacks, sequential", summarise(bareSequential)],
  ["stackd with metrics and access logs: POST /stacks, sequential", summarise(observedSequential)],
];
if (baselineSequential && baselineConcurrent) {
  rows.push(
    [`baseline ${baselineRef}: POST /stacks, sequential`, summarise(baselineSequential.post)],
    [`baseline ${baselineRef}: POST start to running, sequential`, summarise(baselineSequential.toRunning)],
    [`baseline ${baselineRef}: POST /stacks, 500 concurrent`, summarise(baselineConcurrent)],
  );
}
const observabilityMs = observabilityCostPerCreateMs();
const p50 = (name: string) => rows.find(([label]) => label.startsWith(name))?.[1].p50 ?? Number.NaN;
const ratio = (over: string, under: string) => round(p50(over) / Math.max(0.001, p50(under)));
const perStack = (rss: number, stacks: number) => round((rss - rssEmpty) / Math.max(1, stacks));
const targets: Array<[string, string, string]> = [
  [
    "create p50 / floor p50, sequential",
    `${ratio("stackd: POST /stacks, seq", "floor: create + bind, seq")}x`,
    "<= 1.25x",
  ],
  [
    "create p50 / floor p50, 500 concurrent",
    `${ratio("stackd: POST /stacks, 500", "floor: create + bind, 500")}x`,
    "<= 1.3x",
  ],
  [
    "to running p50 / floor to Ready p50",
    `${ratio("stackd: POST start to running", "floor: create to Ready")}x`,
    "<= 1.25x",
  ],
  [
    "metrics and access logs: sequential p50 with / without",
    `${ratio("stackd with metrics and access logs", "stackd without metrics")}x`,
    "<= 1.05x",
  ],
  [
    `metrics and access logs: (sequential p50 + their in-process cost, ${round(observabilityMs * 1000)} µs) / p50`,
    `${round((p50("stackd without metrics") + observabilityMs) / p50("stackd without metrics"))}x`,
    "<= 1.05x",
  ],
  [`GET /stacks p50 at ${stats.total_stacks}`, `${p50("stackd: GET /stacks")} ms`, "< 10 ms"],
  [`GET /stats p50 at ${stats.total_stacks}`, `${p50("stackd: GET /stats")} ms`, "< 10 ms"],
  [`resident memory per stack at ${thousand}`, `${perStack(rssAtThousand, thousand)} KB`, "reported"],
  [
    `resident memory per stack at ${stats.total_stacks}`,
    `${perStack(rssLoaded, stats.total_stacks)} KB`,
    "<= 15.7 KB",
  ],
  [
    "resident memory per stack, after list reads",
    `${perStack(rssAfterReads, stats.total_stacks)} KB`,
    "reported",
  ],
];
if (baselineSequential) {
  targets.push(
    [
      "baseline: create p50 / floor p50, sequential",
      `${ratio("baseline", "floor: create + bind, seq")}x`,
      "before",
    ],
    [
      "baseline: create p50 / floor p50, 500 concurrent",
      `${ratio(`baseline ${baselineRef}: POST /stacks, 500`, "floor: create + bind, 500")}x`,
      "before",
    ],
    [
      "baseline: to running p50 / floor to Ready p50",
      `${ratio(`baseline ${baselineRef}: POST start`, "floor: create to Ready")}x`,
      "before",
    ],
  );
}

console.log("\n| measurement | n | p50 ms | p99 ms | mean ms |");
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const [name, summary] of rows) {
  console.log(`| ${name} | ${summary.count} | ${summary.p50} | ${summary.p99} | ${summary.mean} |`);
}
console.log("\n| target | measured | goal |");
console.log("| --- | ---: | ---: |");
for (const [name, measured, goal] of targets) console.log(`| ${name} | ${measured} | ${goal} |`);
const load = readFileSync("/proc/loadavg", "utf8").trim();
console.log(
  `\nRSS empty ${rssEmpty} KB, at ${thousand} ${rssAtThousand} KB, loaded ${rssLoaded} KB; load rate ${round(loadRate)} creates/s; failed creates ${current.failures + (baseline?.failures ?? 0)}; loadavg ${load}`,
);

const result = {
  date: new Date().toISOString(),
  stacks: stats.total_stacks,
  baselineRef: baselineRef || null,
  loadavg: load,
  latenciesMs: Object.fromEntries(rows.map(([name, summary]) => [name, summary])),
  targets: Object.fromEntries(targets.map(([name, measured, goal]) => [name, { measured, goal }])),
  memory: {
    rssEmptyKb: rssEmpty,
    rssAtThousandKb: rssAtThousand,
    rssLoadedKb: rssLoaded,
    rssAfterReadsKb: rssAfterReads,
  },
  loadCreatesPerSecond: round(loadRate),
  failedCreates: current.failures + (baseline?.failures ?? 0),
};
mkdirSync(join(repo, "bench", "results"), { recursive: true });
writeFileSync(join(repo, "bench", "results", "latest.json"), `${JSON.stringify(result, null, 2)}\n`);
log(
  "wrote bench/results/latest.json; the bench cluster stays up (stop it with: STACKD_CLUSTER=bench tools/bun.sh run cluster down)",
);

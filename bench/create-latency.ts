import { existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import type { V1Pod } from "@kubernetes/client-node";
import { sanitizePodSpec } from "../src/podspec/sanitize-pod-spec.ts";
import { createTestNamespace } from "../test/helpers/cluster.ts";
import { fakeNode } from "../tools/cluster/fixture.ts";
import { freshBenchCluster } from "./bench-cluster.ts";
import { BenchStackd } from "./bench-stackd.ts";
import { type FloorOrder, measureFloor } from "./floor.ts";
import { benchPodSpec } from "./pod-spec.ts";
import { median, round, summarise } from "./stats.ts";

/**
 * Issue 16's figure: sequential `POST /stacks` and POST → `running`, against the floor that makes the
 * same Pod and Service directly (both at once, then the wait for the bind; and Ready). In
 * BENCH_CREATE_ROUNDS rounds (10) of BENCH_CREATE_PER_ROUND creates (20) per contender, the order of the
 * contenders turning round each round, so that the machine's drift falls on all alike. The floors in
 * stackd's old order (Pod, bound, Service) and with a commit patch after the bind are measured too.
 * BENCH_BASELINE_REF (a git ref) also runs that version of stackd, side by side. Prints the table and
 * the ratios; writes bench/results/create-latency.json.
 *
 *   STACKD_CLUSTER=perf tools/bun.sh run bench:create
 */
const repo = resolve(import.meta.dir, "..");
const rounds = Number(process.env.BENCH_CREATE_ROUNDS ?? 10);
const perRound = Number(process.env.BENCH_CREATE_PER_ROUND ?? 20);
const baselineRef = process.env.BENCH_BASELINE_REF ?? "";
const nodeRole = "bench";
const log = (message: string) =>
  console.error(`[bench:create ${new Date().toISOString().slice(11, 19)}] ${message}`);

const { kubeconfigPath, kube } = await freshBenchCluster(log);
const stamp = Date.now().toString(36);
const floorOrders: FloorOrder[] = ["together", "pod-then-service", "together-then-patch"];
const contenderCount = floorOrders.length + (baselineRef ? 2 : 1);
for (let index = 0; index < Math.ceil((rounds * perRound * contenderCount) / 900) + 1; index += 1) {
  const node = fakeNode(
    { name: `create-${stamp}-${index}`, role: nodeRole },
    { cpu: "4000", memory: "16Ti", pods: "1000" },
  );
  await kube.core.createNode({ body: node });
}
const sanitisedPod = sanitizePodSpec(benchPodSpec, 80).pod as unknown as V1Pod;

/** The tree of `ref` exported beside the repo (no worktree), sharing its node_modules. */
function baselineCheckout(ref: string): string {
  const dir = join("/tmp", `stackd-create-baseline-${ref.replace(/[^A-Za-z0-9]/g, "_")}`);
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true });
    const exported = Bun.spawnSync(["sh", "-c", `git archive ${ref} | tar -x -C ${dir}`], {
      cwd: repo,
      stderr: "pipe",
    });
    if (exported.exitCode !== 0) throw new Error(`git archive ${ref} failed: ${exported.stderr.toString()}`);
  }
  if (!existsSync(join(dir, "node_modules")))
    symlinkSync(join(repo, "node_modules"), join(dir, "node_modules"));
  return dir;
}

type Contender = "stackd" | "baseline" | `floor (${FloorOrder})`;

interface Samples {
  /** Create answered (stackd) or both creates answered and the pod bound (floor), per create. */
  created: number[];
  /** Until `running` on the live stream (stackd) or the pod Ready (floor), per create. */
  running: number[];
  /** Each round's p50 of `created` and of `running`. */
  roundP50: Array<{ created: number; running: number }>;
}

const stackdOf = async (label: string, cwd: string, portBase: number) => {
  const namespace = await createTestNamespace(kube, `create-${label}`);
  const stackd = new BenchStackd({
    label,
    cwd,
    namespace,
    portRange: [portBase, portBase + rounds * perRound + 99],
    kubeconfigPath,
    nodeRole,
    dbPath: join("/tmp", `stackd-create-${stamp}-${label}.db`),
    log,
  });
  await stackd.ready();
  return stackd;
};
const stackds: Partial<Record<Contender, BenchStackd>> = { stackd: await stackdOf("current", repo, 21000) };
if (baselineRef) stackds.baseline = await stackdOf("baseline", baselineCheckout(baselineRef), 24000);
const floorNamespaces = new Map<FloorOrder, string>();
for (const order of floorOrders) floorNamespaces.set(order, await createTestNamespace(kube, "create-floor"));

const contenders: Contender[] = [
  ...(Object.keys(stackds) as Contender[]),
  ...floorOrders.map((order): Contender => `floor (${order})`),
];
const samples = new Map<Contender, Samples>(
  contenders.map((contender) => [contender, { created: [], running: [], roundP50: [] }]),
);

/** One round of `perRound` sequential creates by one contender. */
async function runRound(contender: Contender, roundIndex: number, floorIndex: number) {
  const stackd = stackds[contender as "stackd" | "baseline"];
  if (stackd) {
    const { post, toRunning } = await stackd.sequential(perRound);
    return { created: post, running: toRunning };
  }
  const order = contender.slice("floor (".length, -1) as FloorOrder;
  const timings = await measureFloor({
    kube,
    namespace: floorNamespaces.get(order) as string,
    nodeRole,
    sanitisedPod,
    firstPort: 30000 + floorIndex * 3000 + roundIndex * perRound,
    count: perRound,
    concurrency: 1,
    prefix: `r${roundIndex}`,
    order,
  });
  return { created: timings.bound, running: timings.ready };
}

// A short warm-up of each contender (connections, JIT), not counted.
for (const contender of contenders) {
  const stackd = stackds[contender as "stackd" | "baseline"];
  if (stackd) await stackd.sequential(3);
}
for (let roundIndex = 0; roundIndex < rounds; roundIndex += 1) {
  const shift = roundIndex % contenders.length;
  const order = [...contenders.slice(shift), ...contenders.slice(0, shift)];
  log(`round ${roundIndex + 1}/${rounds} (load average ${round(loadavg()[0] ?? 0)}): ${order.join(", ")}`);
  for (const contender of order) {
    const floorIndex = floorOrders.indexOf(contender.slice("floor (".length, -1) as FloorOrder);
    const measured = await runRound(contender, roundIndex, floorIndex);
    const kept = samples.get(contender) as Samples;
    kept.created.push(...measured.created);
    kept.running.push(...measured.running);
    kept.roundP50.push({
      created: summarise(measured.created).p50,
      running: summarise(measured.running).p50,
    });
  }
}
const failures = Object.values(stackds).reduce((sum, stackd) => sum + (stackd?.failures ?? 0), 0);
await Promise.all(Object.values(stackds).map((stackd) => stackd?.stop()));

const floor = samples.get("floor (together)") as Samples;
const rows = contenders.map((contender) => {
  const kept = samples.get(contender) as Samples;
  const perRoundRatio = (pick: "created" | "running") =>
    kept.roundP50.map((p50, index) => round(p50[pick] / (floor.roundP50[index]?.[pick] ?? Number.NaN)));
  return {
    contender,
    created: summarise(kept.created),
    running: summarise(kept.running),
    createdRatio: round(median(perRoundRatio("created"))),
    createdRatioPerRound: perRoundRatio("created"),
    runningRatio: round(median(perRoundRatio("running"))),
  };
});

const name = (contender: Contender) =>
  contender === "baseline"
    ? `stackd ${baselineRef} (baseline)`
    : contender === "stackd"
      ? "stackd (this tree)"
      : contender;
console.log(
  `\n| ${rounds} rounds of ${perRound} sequential creates | create p50 | p99 | / floor (together), median of rounds | to running / Ready p50 | / floor's Ready |`,
);
console.log("| --- | ---: | ---: | ---: | ---: | ---: |");
for (const row of rows) {
  console.log(
    `| ${name(row.contender)} | ${row.created.p50} ms | ${row.created.p99} ms | ${row.createdRatio}x | ${row.running.p50} ms | ${row.runningRatio}x |`,
  );
}
console.log("\n| ratio to the floor (together), per round | create |");
console.log("| --- | --- |");
for (const row of rows.filter((row) => !row.contender.startsWith("floor (together)")))
  console.log(
    `| ${name(row.contender)} | ${row.createdRatioPerRound.map((value) => `${value}x`).join(", ")} |`,
  );
console.log(
  `\ngoals: create 1.3x, to running 1.2x; failed creates ${failures}; load average ${loadavg().map(round).join(" ")}`,
);

mkdirSync(join(repo, "bench", "results"), { recursive: true });
writeFileSync(
  join(repo, "bench", "results", "create-latency.json"),
  `${JSON.stringify(
    { date: new Date().toISOString(), rounds, perRound, baselineRef: baselineRef || null, failures, rows },
    null,
    2,
  )}\n`,
);
log(
  `wrote bench/results/create-latency.json; stop the cluster with: STACKD_CLUSTER=${process.env.STACKD_CLUSTER} tools/bun.sh run cluster down`,
);

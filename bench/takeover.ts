import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import type { V1Lease } from "@kubernetes/client-node";
import { createTypedKubeClient } from "../src/kube/typed-api.ts";
import { createTestNamespace } from "../test/helpers/cluster.ts";
import { ReplicaSet } from "../test/helpers/replicas.ts";
import { podSpecYaml } from "../test/helpers/stackd.ts";
import { StackdProcess } from "../test/helpers/stackd-process.ts";
import { fakeNode } from "../tools/cluster/fixture.ts";
import { clusterDir, clusterFiles } from "../tools/cluster/paths.ts";
import { freshBenchCluster } from "./bench-cluster.ts";
import { median } from "./stats.ts";

/**
 * Issue 9's and 16's figures: with BENCH_TAKEOVER_STACKS stacks (default 10,000), the time from the
 * leader's loss (SIGSTOP, as a lost node) to a follower's forwarded create being served by the new leader
 * (goal: lease duration + 3 s),
 * from the new leader acquiring the Lease to serving (goal: 3 s), and a single replica restarting on
 * an empty database to serving (goal: 2 s; the median of BENCH_TAKEOVER_STARTS starts, default 5).
 * Prints a table; writes bench/results/takeover.json.
 *
 *   tools/bun.sh run bench:takeover
 */
const repo = resolve(import.meta.dir, "..");
const stackCount = Number(process.env.BENCH_TAKEOVER_STACKS ?? 10_000);
const log = (message: string) => console.error(`[bench:takeover] ${message}`);

// BENCH_TAKEOVER_NAMESPACE reuses the namespace an earlier run loaded on the bench cluster, which is
// left up (loading 10,000 stacks takes about 17 minutes here): only the missing stacks are created.
const reused = process.env.BENCH_TAKEOVER_NAMESPACE ?? "";
const { kube, kubeconfigPath } = reused ? runningBenchCluster() : await freshBenchCluster(log);
process.env.STACKD_TEST_KUBECONFIG = kubeconfigPath;
const namespace = reused || (await createTestNamespace(kube, "bench-takeover"));
const existing = reused ? await stacksIn(namespace) : 0;
// kwok nodes with room for every stack (the fixture's nodes hold about a thousand small pods).
for (let index = 0; index < Math.ceil((stackCount - existing) / 900); index += 1) {
  const node = fakeNode(
    { name: `takeover-${Date.now()}-${index}`, role: "stack" },
    {
      cpu: "4000",
      memory: "16Ti",
      pods: "1000",
    },
  );
  await kube.core.createNode({ body: node });
}
// The lease timings of deploy/ (the defaults); fast client limits so that loading is not the test.
const leaseSeconds = 15;
const env = {
  K8S_CLIENT_QPS: "500",
  K8S_CLIENT_BURST: "1000",
  STACK_TTL: "2h",
  LOG_LEVEL: "warn",
  STACK_NODEPORT_MIN: "20000",
  STACK_NODEPORT_MAX: "39999",
};
const set = new ReplicaSet(kube, namespace, env);
const leaseEnv = {
  LEADER_ELECTION_LEASE_DURATION: `${leaseSeconds}s`,
  LEADER_ELECTION_RENEW_DEADLINE: "10s",
  LEADER_ELECTION_RETRY_PERIOD: "2s",
};
Object.assign(env, leaseEnv);
const first = await set.add();
const second = await set.add();
let leader = await set.leader(60_000);

const body = JSON.stringify({ target_port: 80, pod_spec: podSpecYaml() });
async function create(replica: StackdProcess): Promise<number> {
  const response = await replica.api("/stacks", { method: "POST", body }).catch(() => undefined);
  await response?.arrayBuffer();
  return response?.status ?? 0;
}

// Fewer at a time than a CTF's peak: loading is set-up here, and an API server past ~8,000 Services on
// this machine slows down enough that 50 concurrent creates start missing their scheduling deadline.
const loadConcurrency = Number(process.env.BENCH_TAKEOVER_CONCURRENCY ?? 20);
log(`loading ${stackCount} stacks through both replicas, ${loadConcurrency} at a time`);
const loadStarted = performance.now();
let created = existing;
let failed = 0;
let turn = 0;
await Promise.all(
  Array.from({ length: loadConcurrency }, async () => {
    while (created < stackCount) {
      turn += 1;
      const status = await create(turn % 2 === 0 ? first : second);
      if (status === 201) created += 1;
      else failed += 1;
      if (failed > stackCount / 4) throw new Error(`more than ${stackCount / 4} creates failed; giving up`);
      if (turn % 1000 === 0) log(`${created} created, ${failed} refused (retried)`);
    }
  }),
);
log(
  `loaded in ${((performance.now() - loadStarted) / 1000).toFixed(1)} s (${failed} creates refused and retried)`,
);
leader = await set.leader(60_000);
const follower = leader === first ? second : first;
await Bun.sleep(5_000);

// The leader is frozen (SIGSTOP), as when its node is lost: on one host a follower would see that a
// killed leader's pid is gone and take the Lease at once, which no replica on another node can do.
log("the leader is frozen (SIGSTOP, as a lost node); creating through the follower until one is served");
const killedAt = Date.now();
leader.child?.kill("SIGSTOP");
let servedAt = 0;
while (servedAt === 0) {
  if ((await create(follower)) === 201) servedAt = Date.now();
  else if (Date.now() - killedAt > 120_000) throw new Error("no create served within 120 s of the kill");
  else await Bun.sleep(100);
}
const lease = await kube.transport.send<V1Lease>(
  "GET",
  `/apis/coordination.k8s.io/v1/namespaces/${namespace}/leases/${set.leaseName}`,
);
const acquiredAt = Date.parse(String(lease.spec?.acquireTime));
const takeoverSteps = await takeoverStepsOf(follower);
const deathToServing = (servedAt - killedAt) / 1000;
const acquireToServing = (servedAt - acquiredAt) / 1000;
leader.child?.kill("SIGCONT");
await set.stopAll();

// Several starts, as one start on this shared machine swings by half a second: the figure is the median.
const startCount = Number(process.env.BENCH_TAKEOVER_STARTS ?? 5);
log(`a single replica (no leader election) starting on an empty database, ${startCount} times`);
const startSeconds: number[] = [];
let restartCreate = 0;
for (let index = 0; index < startCount; index += 1) {
  // At info, so that its ready line (with the time each step of the start took) is printed.
  const single = new StackdProcess(namespace, mkdirTemp(), { ...env, LOG_LEVEL: "info" });
  startSeconds.push((await single.startUntilReady()) / 1000);
  if (index === 0) restartCreate = await create(single);
  await single.kill();
}
const restartSeconds = median(startSeconds);

const rows: Array<[string, number, string]> = [
  ["leader lost (SIGSTOP) → new leader serves a create (s)", deathToServing, `≤ ${leaseSeconds + 3}`],
  ["new leader acquires the Lease → serves (s)", acquireToServing, "≤ 3"],
  ["single replica start on an empty database → /readyz, median (s)", restartSeconds, "≤ 2"],
];
console.log(`\nstacks: ${stackCount} (${failed} failed to load); load average ${loadAverage()}\n`);
console.log("| figure | measured | goal |\n| --- | ---: | ---: |");
for (const [name, value, goal] of rows) console.log(`| ${name} | ${value.toFixed(2)} | ${goal} |`);
console.log(`\nsingle replica starts (s): ${startSeconds.map((seconds) => seconds.toFixed(2)).join(", ")}`);
console.log(`the restarted replica's first create answered ${restartCreate}`);
console.log(
  `the new leader's takeover steps (s): ${Object.entries(takeoverSteps)
    .map(([step, seconds]) => `${step} ${seconds.toFixed(3)}`)
    .join(", ")}`,
);
mkdirSync(join(repo, "bench", "results"), { recursive: true });
writeFileSync(
  join(repo, "bench", "results", "takeover.json"),
  `${JSON.stringify(
    {
      at: new Date().toISOString(),
      stacks: stackCount,
      failedLoads: failed,
      loadAverage: loadAverage(),
      deathToServingSeconds: deathToServing,
      acquireToServingSeconds: acquireToServing,
      restartToReadySeconds: restartSeconds,
      restartToReadyEachSeconds: startSeconds,
      restartFirstCreate: restartCreate,
      takeoverStepsSeconds: takeoverSteps,
    },
    null,
    2,
  )}\n`,
);
log(
  "wrote bench/results/takeover.json; stop the bench cluster with: STACKD_CLUSTER=bench tools/bun.sh run cluster down",
);
process.exit(0);

/** The steps of a replica's last takeover, from its `stackd_last_takeover_step_seconds` gauge. */
async function takeoverStepsOf(replica: StackdProcess): Promise<Record<string, number>> {
  const text = await (await replica.api("/metrics")).text();
  const steps: Record<string, number> = {};
  for (const match of text.matchAll(/^stackd_last_takeover_step_seconds\{step="([^"]+)"\} (\S+)$/gm))
    steps[match[1] ?? ""] = Number(match[2]);
  return steps;
}

/** The bench cluster as an earlier run left it (STACKD_CLUSTER=bench unless set). */
function runningBenchCluster() {
  process.env.STACKD_CLUSTER = process.env.STACKD_CLUSTER ?? "bench";
  const kubeconfigPath = clusterFiles(clusterDir()).adminKubeconfig;
  return { kubeconfigPath, kube: createTypedKubeClient({ kubeconfigPath, requestTimeoutMs: 120_000 }) };
}

/** How many stacks (Services of stackd) the namespace holds. */
async function stacksIn(name: string): Promise<number> {
  const list = await kube.transport.send<{ items: unknown[] }>("GET", `/api/v1/namespaces/${name}/services`, {
    query: { labelSelector: "app.kubernetes.io/managed-by=stackd" },
  });
  return list.items.length;
}

function mkdirTemp(): string {
  const dir = join("/tmp", `stackd-bench-${crypto.randomUUID().slice(0, 8)}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function loadAverage(): string {
  return loadavg()
    .map((value) => value.toFixed(1))
    .join(" ");
}

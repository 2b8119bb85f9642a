import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { V1Pod } from "@kubernetes/client-node";
import type { Subprocess } from "bun";
import { createKubeClient } from "../src/kube/client.ts";
import { sanitizePodSpec } from "../src/podspec/sanitize-pod-spec.ts";
import { down, up } from "../tools/cluster/control-plane.ts";
import { fakeNode } from "../tools/cluster/fixture.ts";
import { clusterDir, clusterFiles } from "../tools/cluster/paths.ts";
import { freePort } from "../tools/cluster/processes.ts";
import { measureFloor } from "./floor.ts";
import { round, type Summary, summarise, timed } from "./stats.ts";

/**
 * stackd's benchmark, against a real local cluster of its own (STACKD_CLUSTER=bench, a wide NodePort
 * range, kwok nodes sized for the load). Prints a table and writes bench/results/latest.json.
 * BENCH_STACKS (default 10000) sets the load for the list/stats/memory part.
 */
const repo = resolve(import.meta.dir, "..");
const totalStacks = Number(process.env.BENCH_STACKS ?? 10_000);
const sequentialCount = Number(process.env.BENCH_SEQUENTIAL ?? 200);
const concurrentCount = Number(process.env.BENCH_CONCURRENT ?? 500);
const apiKey = "bench-key";
const nodeRole = "bench";
const log = (message: string) =>
  console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`);

process.env.STACKD_CLUSTER = process.env.STACKD_CLUSTER ?? "bench";
process.env.STACKD_NODEPORT_RANGE = process.env.STACKD_NODEPORT_RANGE ?? "20000-39999";
const dir = clusterDir();
// A fresh cluster each run, so earlier runs' objects neither hold ports nor load the API server.
await down(dir);
await up(dir, (message) => log(`cluster: ${message}`));
const kubeconfigPath = clusterFiles(dir).adminKubeconfig;
const kube = createKubeClient({ kubeconfigPath });

const stamp = Date.now().toString(36);
const namespace = `bench-${stamp}`;
const floorNamespace = `bench-floor-${stamp}`;
for (const name of [namespace, floorNamespace])
  await kube.core.createNamespace({ body: { metadata: { name } } });
const nodeCount = Math.ceil((totalStacks + concurrentCount * 2 + sequentialCount * 2) / 900);
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

const podSpec = [
  "apiVersion: v1",
  "kind: Pod",
  "metadata: {name: challenge}",
  "spec:",
  "  containers:",
  "  - name: app",
  "    image: nginx:stable",
  "    ports: [{containerPort: 80}]",
  "    resources: {limits: {cpu: 10m, memory: 16Mi}}",
].join("\n");
const sanitised = sanitizePodSpec(podSpec, 80);

const floorOptions = {
  kube,
  namespace: floorNamespace,
  nodeRole,
  sanitisedPod: sanitised.pod as unknown as V1Pod,
};
log(`floor: ${sequentialCount} sequential direct creates`);
const floorSequential = await measureFloor({
  ...floorOptions,
  firstPort: 20000,
  count: sequentialCount,
  concurrency: 1,
  prefix: "seq",
});
log(`floor: ${concurrentCount} concurrent direct creates`);
const floorConcurrent = await measureFloor({
  ...floorOptions,
  firstPort: 20000 + sequentialCount,
  count: concurrentCount,
  concurrency: concurrentCount,
  prefix: "con",
});

const port = freePort();
const base = `http://127.0.0.1:${port}`;
const stackd: Subprocess = Bun.spawn(["bun", "src/main.ts"], {
  cwd: repo,
  env: {
    ...process.env,
    API_KEY: apiKey,
    HTTP_ADDR: `127.0.0.1:${port}`,
    STACK_NAMESPACE: namespace,
    STACK_NODE_ROLE: nodeRole,
    STACK_NODEPORT_MIN: "21000",
    STACK_NODEPORT_MAX: "39999",
    STACK_TTL: "24h",
    STACK_SCHEDULING_TIMEOUT: "60s",
    K8S_KUBECONFIG: kubeconfigPath,
    K8S_CLIENT_QPS: "5000",
    K8S_CLIENT_BURST: "10000",
    DB_PATH: join("/tmp", `stackd-bench-${stamp}.db`),
    LOG_LEVEL: "warn",
  },
  stdout: "inherit",
  stderr: "inherit",
});
const headers = { "x-api-key": apiKey, "content-type": "application/json" };
for (;;) {
  const ok = await fetch(`${base}/healthz`, { headers })
    .then((response) => response.ok)
    .catch(() => false);
  if (ok) break;
  await Bun.sleep(100);
}
const rssKb = () =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${stackd.pid}/status`, "utf8"))?.[1] ?? 0);
await Bun.sleep(2000);
const rssEmpty = rssKb();

const body = JSON.stringify({ target_port: 80, pod_spec: podSpec });
let failures = 0;
const create = async () => {
  const response = await fetch(`${base}/stacks`, { method: "POST", headers, body });
  if (response.status !== 201) {
    failures += 1;
    if (failures <= 5) log(`create failed: ${response.status} ${await response.text()}`);
  } else await response.arrayBuffer();
};

log(`stackd: ${sequentialCount} sequential creates`);
const stackdSequential = await timed(sequentialCount, 1, create);
log(`stackd: ${concurrentCount} concurrent creates`);
const stackdConcurrent = await timed(concurrentCount, concurrentCount, create);

const remaining = Math.max(0, totalStacks - sequentialCount - concurrentCount);
log(`stackd: loading ${remaining} more stacks (50 at a time) to reach ${totalStacks}`);
const loadStarted = performance.now();
await timed(remaining, 50, create);
const loadSeconds = (performance.now() - loadStarted) / 1000;
await Bun.sleep(5000);
const rssLoaded = rssKb();

const get = (path: string) => async () => {
  const response = await fetch(`${base}${path}`, { headers });
  await response.arrayBuffer();
};
log(`stackd: GET /stacks and GET /stats with ${totalStacks} stacks`);
await timed(5, 1, get("/stacks"));
const listLatency = await timed(50, 1, get("/stacks"));
const statsLatency = await timed(200, 1, get("/stats"));
const stats = (await (await fetch(`${base}/stats`, { headers })).json()) as { total_stacks: number };
await Bun.sleep(2000);
// After the reads too: GET /stacks keeps its encoded body cached until the next change.
const rssAfterReads = rssKb();
stackd.kill("SIGTERM");
await stackd.exited;

const rows: Array<[string, Summary]> = [
  ["floor: create + bind, sequential", summarise(floorSequential)],
  ["stackd: POST /stacks, sequential", summarise(stackdSequential)],
  ["floor: create + bind, 500 concurrent", summarise(floorConcurrent)],
  ["stackd: POST /stacks, 500 concurrent", summarise(stackdConcurrent)],
  [`stackd: GET /stacks at ${stats.total_stacks} stacks`, summarise(listLatency)],
  [`stackd: GET /stats at ${stats.total_stacks} stacks`, summarise(statsLatency)],
];
const ratioSequential = round(rows[1]?.[1].p50 ?? 0) / Math.max(0.001, rows[0]?.[1].p50 ?? 1);
const ratioConcurrent = round(rows[3]?.[1].p50 ?? 0) / Math.max(0.001, rows[2]?.[1].p50 ?? 1);
const memoryPerStackKb = (rssLoaded - rssEmpty) / Math.max(1, stats.total_stacks);
const memoryPerStackAfterReadsKb = (rssAfterReads - rssEmpty) / Math.max(1, stats.total_stacks);

console.log("\n| measurement | n | p50 ms | p99 ms | mean ms |");
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const [name, summary] of rows) {
  console.log(`| ${name} | ${summary.count} | ${summary.p50} | ${summary.p99} | ${summary.mean} |`);
}
console.log(`\n| target | measured | goal |`);
console.log("| --- | ---: | ---: |");
console.log(`| create p50 / floor p50, sequential | ${round(ratioSequential)}x | <= 1.5x |`);
console.log(`| create p50 / floor p50, concurrent | ${round(ratioConcurrent)}x | <= 1.5x |`);
console.log(`| GET /stacks p50 at ${stats.total_stacks} | ${rows[4]?.[1].p50} ms | < 10 ms |`);
console.log(`| GET /stats p50 at ${stats.total_stacks} | ${rows[5]?.[1].p50} ms | < 10 ms |`);
console.log(`| resident memory per stack | ${round(memoryPerStackKb)} KB | <= 20 KB |`);
console.log(
  `| resident memory per stack, after list reads | ${round(memoryPerStackAfterReadsKb)} KB | <= 20 KB |`,
);
console.log(
  `\nRSS empty ${rssEmpty} KB, loaded ${rssLoaded} KB; load rate ${round(remaining / loadSeconds)} creates/s; failed creates ${failures}`,
);

const result = {
  date: new Date().toISOString(),
  stacks: stats.total_stacks,
  latenciesMs: Object.fromEntries(rows.map(([name, summary]) => [name, summary])),
  ratios: { createSequential: round(ratioSequential), createConcurrent: round(ratioConcurrent) },
  memory: {
    rssEmptyKb: rssEmpty,
    rssLoadedKb: rssLoaded,
    rssAfterReadsKb: rssAfterReads,
    perStackKb: round(memoryPerStackKb),
    perStackAfterReadsKb: round(memoryPerStackAfterReadsKb),
  },
  loadCreatesPerSecond: round(remaining / loadSeconds),
  failedCreates: failures,
};
mkdirSync(join(repo, "bench", "results"), { recursive: true });
writeFileSync(join(repo, "bench", "results", "latest.json"), `${JSON.stringify(result, null, 2)}\n`);
log(
  "wrote bench/results/latest.json; the bench cluster stays up (STACKD_CLUSTER=bench bun run cluster down)",
);

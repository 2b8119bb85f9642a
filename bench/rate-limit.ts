import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { applyNamespaceSecurity, fakeNode } from "../tools/cluster/fixture.ts";
import { freePort } from "../tools/cluster/processes.ts";
import { freshBenchCluster } from "./bench-cluster.ts";
import { benchPodSpec } from "./pod-spec.ts";
import { round, summarise, timed } from "./stats.ts";

/**
 * The client rate limit's curve: for each K8S_CLIENT_QPS (burst = 2 x QPS), a burst of
 * BENCH_CONCURRENT (500) creates against a fresh stackd, with its wall time, create p50, failures,
 * and the 429s the API server answered (from stackd's own metrics). `bun bench/rate-limit.ts`;
 * BENCH_QPS="20,50,100" picks the points. Its cluster is STACKD_CLUSTER=bench, fresh on every run.
 */
const repo = resolve(import.meta.dir, "..");
const points = (process.env.BENCH_QPS ?? "20,50,100,200,500,1000").split(",").map(Number);
const burst = Number(process.env.BENCH_CONCURRENT ?? 500);
const apiKey = "bench-key";
const nodeRole = "bench";
const log = (message: string) =>
  console.error(`[rate-limit ${new Date().toISOString().slice(11, 19)}] ${message}`);

const { kubeconfigPath, kube } = await freshBenchCluster(log);
const stamp = Date.now().toString(36);
for (let index = 0; index < Math.ceil((points.length * burst) / 900); index += 1) {
  const node = fakeNode(
    { name: `qps-${stamp}-${index}`, role: nodeRole },
    { cpu: "4000", memory: "16Ti", pods: "1000" },
  );
  await kube.core.createNode({ body: node });
}

/** Sums a counter's samples whose labels contain `match` in stackd's /metrics text. */
function sumOf(metrics: string, name: string, match: string): number {
  return metrics
    .split("\n")
    .filter((line) => line.startsWith(`${name}{`) && line.includes(match))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(" ") + 1)), 0);
}

const rows: Array<{ qps: number; seconds: number; p50Ms: number; failed: number; throttled: number }> = [];
let portBase = 21000;
for (const [index, qps] of points.entries()) {
  const namespace = `qps-${qps}-${index}-${stamp}`;
  await kube.core.createNamespace({ body: { metadata: { name: namespace } } });
  await applyNamespaceSecurity(kube, namespace);
  await Bun.sleep(1000);
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
      STACK_NODEPORT_MIN: String(portBase),
      STACK_NODEPORT_MAX: String(portBase + burst + 99),
      STACK_SCHEDULING_TIMEOUT: "120s",
      K8S_REQUEST_TIMEOUT: "120s",
      K8S_KUBECONFIG: kubeconfigPath,
      K8S_CLIENT_QPS: String(qps),
      K8S_CLIENT_BURST: String(qps * 2),
      DB_PATH: join("/tmp", `stackd-qps-${stamp}-${qps}.db`),
      LOG_LEVEL: "error",
    },
    stdout: "ignore",
    stderr: "inherit",
  });
  process.on("exit", () => stackd.kill());
  portBase += burst + 100;
  const headers = { "x-api-key": apiKey };
  while (
    !(await fetch(`${base}/readyz`)
      .then((response) => response.ok)
      .catch(() => false))
  )
    await Bun.sleep(100);
  log(`QPS ${qps}: ${burst} concurrent creates`);
  let failed = 0;
  const started = performance.now();
  const latencies = await timed(burst, burst, async () => {
    const response = await fetch(`${base}/stacks`, {
      method: "POST",
      headers,
      body: JSON.stringify({ target_port: 80, pod_spec: benchPodSpec }),
    });
    if (response.status !== 201) failed += 1;
    await response.arrayBuffer();
  });
  const seconds = (performance.now() - started) / 1000;
  const metrics = await (await fetch(`${base}/metrics`)).text();
  rows.push({
    qps,
    seconds: round(seconds),
    p50Ms: summarise(latencies).p50,
    failed,
    throttled: sumOf(metrics, "stackd_kube_requests_total", 'code="429"'),
  });
  stackd.kill("SIGTERM");
  await stackd.exited;
}

console.log(
  "\n| K8S_CLIENT_QPS (burst 2x) | 500-create burst | create p50 | failed | 429s from the API server |",
);
console.log("| ---: | ---: | ---: | ---: | ---: |");
for (const row of rows) {
  console.log(
    `| ${row.qps} | ${row.seconds} s | ${round(row.p50Ms / 1000)} s | ${row.failed} | ${row.throttled} |`,
  );
}
mkdirSync(join(repo, "bench", "results"), { recursive: true });
writeFileSync(
  join(repo, "bench", "results", "rate-limit.json"),
  `${JSON.stringify({ date: new Date().toISOString(), burst, rows }, null, 2)}\n`,
);
log(
  "wrote bench/results/rate-limit.json; stop the cluster with: STACKD_CLUSTER=bench tools/bun.sh run cluster down",
);

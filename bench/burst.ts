import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join, resolve } from "node:path";
import type { V1Pod } from "@kubernetes/client-node";
import type { TypedKubeClient } from "../src/kube/typed-api.ts";
import { sanitizePodSpec } from "../src/podspec/sanitize-pod-spec.ts";
import { createTestNamespace, eventually } from "../test/helpers/cluster.ts";
import { fakeNode } from "../tools/cluster/fixture.ts";
import { freshBenchCluster } from "./bench-cluster.ts";
import { BenchStackd } from "./bench-stackd.ts";
import { type FloorOrder, measureFloor } from "./floor.ts";
import { benchPodSpec } from "./pod-spec.ts";
import { median, round, summarise } from "./stats.ts";

/**
 * Issue 10's burst figure: BENCH_CONCURRENT (500) creates at once through a stackd with its default
 * configuration, against the floor (the same creates made directly), in BENCH_BURST_ROUNDS rounds (4).
 * Every burst runs on a cluster emptied of the bursts before it, and the order of the three bursts
 * turns round from one round to the next, so that neither stackd nor the floor always meets the
 * busier API server. Prints each round and the medians; writes bench/results/burst.json.
 *
 *   tools/bun.sh run bench:burst
 */
const repo = resolve(import.meta.dir, "..");
const burstSize = Number(process.env.BENCH_CONCURRENT ?? 500);
const rounds = Number(process.env.BENCH_BURST_ROUNDS ?? 4);
const nodeRole = "bench";
const log = (message: string) =>
  console.error(`[bench:burst ${new Date().toISOString().slice(11, 19)}] ${message}`);

const { kubeconfigPath, kube } = await freshBenchCluster(log);
const stamp = Date.now().toString(36);
for (let index = 0; index < Math.ceil((burstSize * 2) / 900); index += 1) {
  const node = fakeNode(
    { name: `burst-${stamp}-${index}`, role: nodeRole },
    { cpu: "4000", memory: "16Ti", pods: "1000" },
  );
  await kube.core.createNode({ body: node });
}
const sanitisedPod = sanitizePodSpec(benchPodSpec, 80).pod as unknown as V1Pod;

type Contender = "stackd (defaults)" | `floor (${FloorOrder})`;
const contenders: Contender[] = ["floor (pod-then-service)", "stackd (defaults)", "floor (together)"];

interface Burst {
  round: number;
  contender: Contender;
  /** From the first create's start to the last answer. */
  seconds: number;
  p50Ms: number;
  failed: number;
  loadAverage: number;
}

/** Deletes a burst's Pods and Services and waits until they are gone, so the next burst meets an empty cluster. */
async function emptied(client: TypedKubeClient, namespace: string): Promise<void> {
  for (const resource of ["pods", "services"]) {
    const path = `/api/v1/namespaces/${namespace}/${resource}`;
    // Services have no deletecollection: they go one by one (pods too, as kwok sees them deleted the same way).
    const list = await client.transport.send<{ items: Array<{ metadata: { name: string } }> }>("GET", path);
    const names = list.items.map((item) => item.metadata.name);
    for (let index = 0; index < names.length; index += 50) {
      await Promise.all(
        names
          .slice(index, index + 50)
          .map((name) =>
            client.transport.send("DELETE", `${path}/${name}`, { query: { gracePeriodSeconds: 0 } }),
          ),
      );
    }
    await eventually(
      `${namespace}'s ${resource} gone`,
      async () => {
        const left = await client.transport.send<{ items: unknown[] }>("GET", path);
        return left.items.length === 0 ? true : undefined;
      },
      120_000,
    );
  }
}

async function stackdBurst(
  namespace: string,
  round: number,
): Promise<Omit<Burst, "round" | "contender" | "loadAverage">> {
  const stackd = new BenchStackd({
    label: `defaults-${round}`,
    cwd: repo,
    namespace,
    portRange: [20000 + round * 1000, 20000 + round * 1000 + burstSize + 99],
    kubeconfigPath,
    nodeRole,
    dbPath: join("/tmp", `stackd-burst-${stamp}-${round}.db`),
    // The defaults under test: the client rate limit, request deadline and scheduling timeout.
    overrides: {
      K8S_CLIENT_QPS: "",
      K8S_CLIENT_BURST: "",
      K8S_REQUEST_TIMEOUT: "",
      STACK_SCHEDULING_TIMEOUT: "",
    },
    log,
  });
  await stackd.ready();
  const started = performance.now();
  const latencies = await stackd.burst(burstSize);
  const seconds = (performance.now() - started) / 1000;
  await stackd.stop();
  return { seconds, p50Ms: summarise(latencies).p50, failed: stackd.failures };
}

async function floorBurst(
  namespace: string,
  round: number,
  order: FloorOrder,
): Promise<Omit<Burst, "round" | "contender" | "loadAverage">> {
  const timings = await measureFloor({
    kube,
    namespace,
    nodeRole,
    sanitisedPod,
    firstPort: 30000 + round * 1000,
    count: burstSize,
    concurrency: burstSize,
    prefix: `r${round}`,
    order,
  });
  // The floor's own wait for Ready is not part of its burst: it ends at the last bound pod.
  const seconds = Math.max(...timings.bound) / 1000;
  return { seconds, p50Ms: summarise(timings.bound).p50, failed: 0 };
}

const bursts: Burst[] = [];
for (let index = 0; index < rounds; index += 1) {
  const order = index % 2 === 0 ? contenders : [...contenders].reverse();
  for (const contender of order) {
    const slug = contender.replace(/\W+/g, "-").replace(/^-|-$/g, "");
    // Pod Security labels, the ingress policy stackd requires, and the default ServiceAccount ready.
    const namespace = await createTestNamespace(kube, `burst-${index}-${slug}`);
    await Bun.sleep(1000);
    const loadAverage = round(loadavg()[0] ?? 0);
    log(
      `round ${index + 1}/${rounds}: ${contender}, ${burstSize} creates at once (load average ${loadAverage})`,
    );
    const measured =
      contender === "stackd (defaults)"
        ? await stackdBurst(namespace, index)
        : await floorBurst(
            namespace,
            index,
            contender === "floor (together)" ? "together" : "pod-then-service",
          );
    bursts.push({ round: index + 1, contender, loadAverage, ...measured, seconds: round(measured.seconds) });
    log(`  ${round(measured.seconds)} s, p50 ${round(measured.p50Ms / 1000)} s, ${measured.failed} failed`);
    await emptied(kube, namespace);
  }
}

const of = (roundNumber: number, contender: Contender) =>
  bursts.find((burst) => burst.round === roundNumber && burst.contender === contender);
const ratios = Array.from({ length: rounds }, (_, index) => {
  const stackd = of(index + 1, "stackd (defaults)");
  const serial = of(index + 1, "floor (pod-then-service)");
  const together = of(index + 1, "floor (together)");
  const ratio = (a: number | undefined, b: number | undefined) =>
    round((a ?? Number.NaN) / (b ?? Number.NaN));
  return {
    round: index + 1,
    burstVsSameOrder: ratio(stackd?.seconds, serial?.seconds),
    burstVsTogether: ratio(stackd?.seconds, together?.seconds),
    p50VsSameOrder: ratio(stackd?.p50Ms, serial?.p50Ms),
    p50VsTogether: ratio(stackd?.p50Ms, together?.p50Ms),
    // The strictest reading: whichever floor was quicker in this round.
    burstVsFaster: ratio(
      stackd?.seconds,
      Math.min(serial?.seconds ?? Number.NaN, together?.seconds ?? Number.NaN),
    ),
    p50VsFaster: ratio(stackd?.p50Ms, Math.min(serial?.p50Ms ?? Number.NaN, together?.p50Ms ?? Number.NaN)),
  };
});

console.log(`\n| round | burst | ${burstSize} creates | create p50 | failed | load average |`);
console.log("| ---: | --- | ---: | ---: | ---: | ---: |");
for (const burst of bursts) {
  console.log(
    `| ${burst.round} | ${burst.contender} | ${burst.seconds} s | ${round(burst.p50Ms / 1000)} s | ${burst.failed} | ${burst.loadAverage} |`,
  );
}
console.log("\n| ratio of stackd (defaults) to | burst, median | burst, per round | p50, median | goal |");
console.log("| --- | ---: | --- | ---: | ---: |");
const row = (name: string, burst: number[], p50: number[]) =>
  console.log(
    `| ${name} | ${round(median(burst))}x | ${burst.map((value) => `${value}x`).join(", ")} | ${round(median(p50))}x | 1.3x |`,
  );
row(
  "the floor in stackd's order (Pod, bound, then Service)",
  ratios.map((ratio) => ratio.burstVsSameOrder),
  ratios.map((ratio) => ratio.p50VsSameOrder),
);
row(
  "the floor with both creates at once",
  ratios.map((ratio) => ratio.burstVsTogether),
  ratios.map((ratio) => ratio.p50VsTogether),
);
row(
  "the quicker of the two floors in each round",
  ratios.map((ratio) => ratio.burstVsFaster),
  ratios.map((ratio) => ratio.p50VsFaster),
);
mkdirSync(join(repo, "bench", "results"), { recursive: true });
writeFileSync(
  join(repo, "bench", "results", "burst.json"),
  `${JSON.stringify({ date: new Date().toISOString(), burstSize, rounds, bursts, ratios }, null, 2)}\n`,
);
log(
  `wrote bench/results/burst.json; stop the cluster with: STACKD_CLUSTER=${process.env.STACKD_CLUSTER} tools/bun.sh run cluster down`,
);

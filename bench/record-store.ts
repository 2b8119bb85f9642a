import { join, resolve } from "node:path";
import type { V1Pod, V1Service } from "@kubernetes/client-node";
import { managedBySelector } from "../src/cluster/stack-resources.ts";
import { sanitizePodSpec } from "../src/podspec/sanitize-pod-spec.ts";
import { applyNamespaceSecurity, fakeNode } from "../tools/cluster/fixture.ts";
import { freshBenchCluster } from "./bench-cluster.ts";
import { isBound } from "./floor.ts";
import { ObjectWaits } from "./object-waits.ts";
import { benchPodSpec } from "./pod-spec.ts";
import { annotationDesign, customResourceDesign, type RecordDesign } from "./record-designs.ts";
import { measureRecordLists } from "./record-lists.ts";
import {
  alternate,
  createUntilBound,
  deleteUntilGone,
  type StackBatch,
  type StackWaits,
  writeTerminals,
} from "./record-phases.ts";
import { RecordReport } from "./record-report.ts";
import { installStackDefinition } from "./stack-crd.ts";
import { benchIdentity } from "./stack-identity.ts";
import { round } from "./stats.ts";

/**
 * Where a stack's durable record should live (docs/durable-record.md): (a) a Stack custom resource that
 * owns the Pod and Service, or (b) the JSON annotation on the Service that stackd uses today, measured
 * side by side in one run, in alternating rounds, with the same transport and no client rate limit.
 * Its fresh cluster is STACKD_CLUSTER=record-store unless set, so that it never restarts a cluster
 * another benchmark is using; not `bench-...`: the cluster tools find a cluster's processes by its
 * folder's path, so starting the `bench` cluster would also stop every cluster whose name it begins.
 * Prints a table and writes bench/results/record-store.json (after every phase). BENCH_SEQUENTIAL (50), BENCH_CONCURRENT (500), BENCH_BURST_ROUNDS (2), BENCH_TERMINAL (200) and
 * BENCH_RECORDS (10000) scale it.
 */
const repo = resolve(import.meta.dir, "..");
const sequentialCount = Number(process.env.BENCH_SEQUENTIAL ?? 50);
const burstCount = Number(process.env.BENCH_CONCURRENT ?? 500);
const burstRounds = Number(process.env.BENCH_BURST_ROUNDS ?? 2);
const terminalCount = Number(process.env.BENCH_TERMINAL ?? 200);
const recordCount = Number(process.env.BENCH_RECORDS ?? 10_000);
const sequentialRounds = 5;
const terminalRounds = 4;
const recordChunks = 10;
const recordConcurrency = 20;
const listRounds = 20;
const nodeRole = "bench-record";
const log = (message: string) =>
  console.error(`[record-store ${new Date().toISOString().slice(11, 19)}] ${message}`);

process.env.STACKD_CLUSTER = process.env.STACKD_CLUSTER ?? "record-store";
// Room for a Service per stack of both designs: BENCH_RECORDS twice, and the bursts.
process.env.STACKD_NODEPORT_RANGE = process.env.STACKD_NODEPORT_RANGE ?? "10000-49999";
const { kube } = await freshBenchCluster(log);
const stamp = Date.now().toString(36);
const namespace = `record-${stamp}`;
await applyNamespaceSecurity(kube, namespace);
const podsAtOnce = 2 * (sequentialCount + burstCount * burstRounds);
for (let index = 0; index < Math.ceil(podsAtOnce / 900); index += 1) {
  const node = fakeNode(
    { name: `record-${stamp}-${index}`, role: nodeRole },
    { cpu: "4000", memory: "16Ti", pods: "1000" },
  );
  await kube.core.createNode({ body: node });
}
while (!(await kube.core.readNamespacedServiceAccount({ name: "default", namespace }).catch(() => undefined)))
  await Bun.sleep(200);
const crdServedMs = await installStackDefinition(kube, namespace);
const crdServedAt = performance.now();
log(`namespace ${namespace}; the Stack CRD was served ${round(crdServedMs)} ms after its create`);

const sanitised = sanitizePodSpec(benchPodSpec, 80);
const sanitisedPod = sanitised.pod as unknown as V1Pod;
const designs = [
  customResourceDesign(kube, sanitisedPod, nodeRole),
  annotationDesign(kube, sanitisedPod, nodeRole),
] as const;
const report = new RecordReport({
  labels: [designs[0].label, designs[1].label],
  path: join(repo, "bench", "results", "record-store.json"),
  header: {
    command: "tools/bun.sh run bench:record",
    config: { sequentialCount, burstCount, burstRounds, terminalCount, recordCount, recordConcurrency },
    crdServedMs: round(crdServedMs),
  },
  log,
});
const { results } = report;
let nextNodePort = 10_000;
/** `count` new stacks of `design` in `inNamespace`, named `<key>-<group>-<index>`, each with its own nodePort. */
const batchOf = (
  design: RecordDesign,
  group: string,
  count: number,
  inNamespace = namespace,
): StackBatch => ({
  design,
  stacks: Array.from({ length: count }, (_, index) => ({
    identity: benchIdentity(`${design.key}-${group}-${index}`, inNamespace, sanitised),
    nodePort: nextNodePort++,
  })),
});
const collection = (resource: string) => `/api/v1/namespaces/${namespace}/${resource}`;
const waits: StackWaits = {
  pods: new ObjectWaits<V1Pod, "bound" | "gone">({
    transport: kube.transport,
    path: collection("pods"),
    labelSelector: managedBySelector,
    conditions: {
      bound: (type, pod) => type !== "DELETED" && isBound(pod),
      gone: (type) => type === "DELETED",
    },
  }),
  services: new ObjectWaits<V1Service, "gone">({
    transport: kube.transport,
    path: collection("services"),
    labelSelector: managedBySelector,
    conditions: { gone: (type) => type === "DELETED" },
  }),
};
await Promise.all([waits.pods.start(), waits.services.start()]);

report.startPhase("creates");
// 1. Creates until the Pod is scheduled: one of each to warm up (not measured), sequential creates,
// then bursts of `burstCount` at once.
for (const design of designs) await createUntilBound(batchOf(design, "warm-up", 1), 1, waits);
const sequentialBatches = new Map<RecordDesign, StackBatch[]>(designs.map((design) => [design, []]));
const burstBatches = new Map<RecordDesign, StackBatch[]>(designs.map((design) => [design, []]));
log(`${sequentialCount} sequential creates per design, in ${sequentialRounds * 2} alternating rounds`);
await alternate(designs, sequentialRounds, async (design, index) => {
  const batch = batchOf(design, `s${index}`, Math.ceil(sequentialCount / sequentialRounds));
  sequentialBatches.get(design)?.push(batch);
  const timings = await createUntilBound(batch, 1, waits);
  report.dropFailures("sequential create", batch, timings);
  results.add("sequential create: requests answered", "ms", design.label, timings.answered);
  results.add("sequential create: until Pod scheduled", "ms", design.label, timings.reached);
});
await alternate(designs, burstRounds, async (design, index) => {
  log(`${design.label}: ${burstCount} concurrent creates (round ${index + 1} of ${burstRounds})`);
  const batch = batchOf(design, `b${index}`, burstCount);
  burstBatches.get(design)?.push(batch);
  const timings = await createUntilBound(batch, burstCount, waits);
  report.dropFailures("create burst", batch, timings);
  results.add(`${burstCount}-create burst: requests answered`, "ms", design.label, timings.answered);
  results.add(`${burstCount}-create burst: until Pod scheduled`, "ms", design.label, timings.reached);
  results.add(`${burstCount}-create burst: until all scheduled`, "ms", design.label, [timings.wallMs]);
  // Not measured: let kwok bring the burst's pods to Running before the next round.
  await Bun.sleep(5_000);
});

report.startPhase("terminal writes");
// 2. Writing a terminal status and reason, on stacks of the first bursts.
log(`${terminalCount} terminal writes per design, in ${terminalRounds * 2} alternating rounds`);
await alternate(designs, terminalRounds, async (design, index) => {
  const perRound = Math.ceil(terminalCount / terminalRounds);
  const stacks = burstBatches.get(design)?.[0]?.stacks.slice(index * perRound, (index + 1) * perRound) ?? [];
  results.add("terminal status + reason write", "ms", design.label, await writeTerminals({ design, stacks }));
});

// 4. Teardown until Pod and Service are gone. The garbage collector finds a new kind within ~30 s of
// its CRD (its discovery period); wait out the rest of that, so that only steady-state GC is measured.
await Bun.sleep(Math.max(0, crdServedAt + 35_000 - performance.now()));
report.startPhase("teardowns");
log("sequential teardowns, then each burst deleted at once");
await alternate(designs, sequentialRounds, async (design, index) => {
  const batch = sequentialBatches.get(design)?.[index];
  if (!batch) return;
  const timings = await deleteUntilGone(batch, 1, waits);
  report.dropFailures("sequential delete", batch, timings);
  results.add("sequential delete: requests answered", "ms", design.label, timings.answered);
  results.add("sequential delete: until Pod and Service gone", "ms", design.label, timings.reached);
});
await alternate(designs, burstRounds, async (design, index) => {
  const batch = burstBatches.get(design)?.[index];
  if (!batch) return;
  const timings = await deleteUntilGone(batch, batch.stacks.length, waits);
  report.dropFailures("delete burst", batch, timings);
  results.add(`${burstCount}-delete burst: until Pod and Service gone`, "ms", design.label, timings.reached);
  results.add(`${burstCount}-delete burst: until all gone`, "ms", design.label, [timings.wallMs]);
});
await Promise.all([waits.pods.stop(), waits.services.stop()]);

// 3. Stacks without Pods, `recordCount` of each design, then listed.
report.startPhase("lists");
log(`${recordCount} stacks without Pods per design, ${recordConcurrency} creates at a time, then lists`);
await measureRecordLists({
  kube,
  designs,
  results,
  count: recordCount,
  chunks: recordChunks,
  concurrency: recordConcurrency,
  listRounds,
  batchOf,
  namespaceOf: (design) => `record-list-${design.key}-${stamp}`,
  log,
});
report.startPhase("end");

console.log(`\n${report.summary()}\nThe Stack CRD was served ${round(crdServedMs)} ms after its create.`);
report.save(true);
log(
  `wrote bench/results/record-store.json; the cluster stays up (stop it with: STACKD_CLUSTER=${process.env.STACKD_CLUSTER} tools/bun.sh run cluster down)`,
);

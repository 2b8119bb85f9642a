import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { V1Pod } from "@kubernetes/client-node";
import { HaproxyRuntimeApi } from "../src/exposure/edge/haproxy-runtime-api.ts";
import { sanitizePodSpec } from "../src/podspec/sanitize-pod-spec.ts";
import { createTestNamespace, deleteTestNamespace } from "../test/helpers/cluster.ts";
import { wildcardCertificate } from "../test/helpers/edge-tls.ts";
import { edgeHaproxy, freePort } from "../test/helpers/haproxy.ts";
import { fakeNode } from "../tools/cluster/fixture.ts";
import { localGateway } from "../tools/cluster/gateway-fixture.ts";
import { freshBenchCluster } from "./bench-cluster.ts";
import { BenchStackd, benchHeaders } from "./bench-stackd.ts";
import { challengePodSpec, loopbackNode, measureEdgeBurst, measureUnroute } from "./exposure-edge.ts";
import { measureRoutedFloor, type RoutedFloorTarget } from "./exposure-floor.ts";
import { benchPodSpec } from "./pod-spec.ts";
import { median, round, summarise, timed } from "./stats.ts";

/**
 * The exposure modes' figures, on a cluster of its own whose NodePort range is 100 ports
 * (STACKD_NODEPORT_RANGE, default 30000-30099):
 * 1. BENCH_EXPOSURE_STACKS (10,000) live gateway stacks: every create a 201, every hostname unique,
 *    `GET /stacks` p50 and stackd's RSS per stack; NodePort against gateway memory at the count the range
 *    holds (BENCH_EXPOSURE_SAME_COUNT, 100; RSS of two stackd processes) and, in process, at
 *    BENCH_EXPOSURE_MEMORY_COUNT (10,000; bench/actor-memory.ts, heap after a full GC).
 * 2. Sequential create p50 in gateway and edge modes against floors making the same objects directly:
 *    BENCH_EXPOSURE_ROUNDS (6) rounds of BENCH_EXPOSURE_PER_ROUND (20), the order turning each round.
 * 3. Edge: DELETE → a player's TLS connect gets no banner, and → gone from `show map`, over
 *    BENCH_EXPOSURE_UNROUTE (20) stacks.
 * 4. Edge: a BENCH_EXPOSURE_BURST (500) create burst until HAProxy's map holds every hostname.
 * Edge mode runs a real HAProxy (tools/haproxy.sh, deploy/edge/haproxy.cfg) and a kwok node with a
 * loopback podCIDR. Prints a table; writes bench/results/exposure.json.
 *
 *   STACKD_CLUSTER=perf STACKD_NODEPORT_RANGE=30000-30099 tools/bun.sh run bench:exposure
 */
const repo = resolve(import.meta.dir, "..");
const knob = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const stackCount = knob("BENCH_EXPOSURE_STACKS", 10_000);
const sameCount = knob("BENCH_EXPOSURE_SAME_COUNT", 100);
const memoryCount = knob("BENCH_EXPOSURE_MEMORY_COUNT", 10_000);
const rounds = knob("BENCH_EXPOSURE_ROUNDS", 6);
const perRound = knob("BENCH_EXPOSURE_PER_ROUND", 20);
const unrouteCount = knob("BENCH_EXPOSURE_UNROUTE", 20);
const burstCount = knob("BENCH_EXPOSURE_BURST", 500);
const loadConcurrency = knob("BENCH_EXPOSURE_CONCURRENCY", 20);
const log = (message: string) =>
  console.error(`[bench:exposure ${new Date().toISOString().slice(11, 19)}] ${message}`);
const loadAverage = () => loadavg().map(round).join(" ");

// 1b first, with no cluster running: heap per stack of each mode in a process of its own.
const memoryCounts = [...new Set([sameCount, memoryCount])].join(",");
const heapPerStack: Record<string, Array<[number, number]>> = {};
for (const mode of ["nodeport", "gateway"]) {
  log(`heap per stack in process, ${mode}, at ${memoryCounts}`);
  const child = Bun.spawnSync(["bun", "bench/actor-memory.ts", mode, memoryCounts], { cwd: repo });
  if (child.exitCode !== 0) throw new Error(`actor-memory ${mode}: ${child.stderr.toString()}`);
  heapPerStack[mode] = JSON.parse(child.stdout.toString()).rows;
}

process.env.STACKD_NODEPORT_RANGE = process.env.STACKD_NODEPORT_RANGE ?? "30000-30099";
const [rangeMin, rangeMax] = process.env.STACKD_NODEPORT_RANGE.split("-").map(Number) as [number, number];
const { kubeconfigPath, kube } = await freshBenchCluster(log);
const stamp = Date.now().toString(36);
const dir = mkdtempSync(join(tmpdir(), "stackd-bench-exposure-"));
const nodeRole = "bench";
const edgeRole = "bench-edge";
for (let index = 0; index < Math.ceil((stackCount + sameCount + rounds * perRound * 2) / 900) + 1; index += 1)
  await kube.core.createNode({
    body: fakeNode(
      { name: `expo-${stamp}-${index}`, role: nodeRole },
      { cpu: "4000", memory: "16Ti", pods: "1000" },
    ),
  });
await loopbackNode(kube, `expo-edge-${stamp}`, edgeRole, "127.88.0.0/16");

const certificate = wildcardCertificate(dir, localGateway.domain);
const edge = edgeHaproxy(dir, certificate.pemPath);
await edge.start();
// The floor's HAProxy, so that its entries are not drift in the map stackd keeps.
const floorEdge = edgeHaproxy(mkdtempSync(join(dir, "floor-")), certificate.pemPath);
await floorEdge.start();
const challengePort = freePort();

const stackdOf = async (label: string, overrides: Record<string, string>, role = nodeRole, body?: string) => {
  const namespace = await createTestNamespace(kube, `expo-${label}`);
  const stackd = new BenchStackd({
    label,
    cwd: repo,
    namespace,
    portRange: [rangeMin, rangeMax],
    kubeconfigPath,
    nodeRole: role,
    dbPath: join(dir, `${label}.db`),
    overrides,
    ...(body ? { createBody: body } : {}),
    log,
  });
  await stackd.ready();
  return { stackd, namespace };
};
const gatewayEnv = {
  STACK_EXPOSURE: "gateway",
  STACK_EXPOSURE_DOMAIN: localGateway.domain,
  STACK_GATEWAY: `${localGateway.namespace}/${localGateway.name}`,
};
const edgeEnv = {
  STACK_EXPOSURE: "edge",
  STACK_EXPOSURE_DOMAIN: localGateway.domain,
  STACK_EXPOSURE_PORT: String(edge.edgePort),
  STACK_EDGE_RUNTIME_API: edge.tcpAddress,
  STACK_EDGE_MAP: edge.mapPath,
};

// 2. Sequential creates against the floors, in rounds.
const gatewayLatency = await stackdOf("gw-latency", gatewayEnv);
const edgeStackd = await stackdOf(
  "edge",
  edgeEnv,
  edgeRole,
  JSON.stringify({
    target_port: challengePort,
    pod_spec: challengePodSpec(challengePort),
  }),
);
const floorNamespace = await createTestNamespace(kube, "expo-floor");
const floorTargets: Record<"gateway" | "edge", RoutedFloorTarget> = {
  gateway: { mode: "gateway", gateway: localGateway, domain: localGateway.domain },
  edge: {
    mode: "edge",
    api: new HaproxyRuntimeApi({ address: floorEdge.tcpAddress }),
    map: floorEdge.mapPath,
    domain: localGateway.domain,
  },
};
const contenders = ["stackd gateway", "floor gateway", "stackd edge", "floor edge"] as const;
type Contender = (typeof contenders)[number];
const samples = new Map<
  Contender,
  { created: number[]; routed: number[]; roundP50: Array<[number, number]> }
>(contenders.map((contender) => [contender, { created: [], routed: [], roundP50: [] }]));
async function runRound(contender: Contender, roundIndex: number) {
  const [who, mode] = contender.split(" ") as ["stackd" | "floor", "gateway" | "edge"];
  if (who === "stackd") {
    const stackd = mode === "gateway" ? gatewayLatency.stackd : edgeStackd.stackd;
    const { post, toRunning } = await stackd.sequential(perRound);
    return { created: post, routed: toRunning };
  }
  const sanitisedPod = sanitizePodSpec(
    mode === "edge" ? challengePodSpec(challengePort) : benchPodSpec,
    mode === "edge" ? challengePort : 80,
  ).pod as unknown as V1Pod;
  return measureRoutedFloor({
    kube,
    namespace: floorNamespace,
    nodeRole: mode === "edge" ? edgeRole : nodeRole,
    sanitisedPod,
    containerPort: mode === "edge" ? challengePort : 80,
    count: perRound,
    prefix: `${mode}-r${roundIndex}`,
    target: floorTargets[mode],
  });
}
await gatewayLatency.stackd.sequential(3);
await edgeStackd.stackd.sequential(3);
for (let roundIndex = 0; roundIndex < rounds; roundIndex += 1) {
  const shift = roundIndex % contenders.length;
  const order = [...contenders.slice(shift), ...contenders.slice(0, shift)];
  log(`create round ${roundIndex + 1}/${rounds} (load ${loadAverage()}): ${order.join(", ")}`);
  for (const contender of order) {
    const measured = await runRound(contender, roundIndex);
    const kept = samples.get(contender);
    kept?.created.push(...measured.created);
    kept?.routed.push(...measured.routed);
    kept?.roundP50.push([summarise(measured.created).p50, summarise(measured.routed).p50]);
  }
}
await gatewayLatency.stackd.stop();
const ratioOf = (stackd: Contender, floor: Contender, pick: 0 | 1) => {
  const mine = samples.get(stackd)?.roundP50 ?? [];
  const theirs = samples.get(floor)?.roundP50 ?? [];
  return round(median(mine.map((p50, index) => p50[pick] / (theirs[index]?.[pick] ?? Number.NaN))));
};

// 3. and 4. Edge: DELETE → unrouted, then a burst.
log(`edge: DELETE → unrouted over ${unrouteCount} stacks`);
const unroute = await measureUnroute({
  stackd: edgeStackd.stackd,
  kube,
  edge,
  ca: certificate.ca,
  port: challengePort,
  count: unrouteCount,
});
log(`edge: a burst of ${burstCount} creates`);
const burst = await measureEdgeBurst(edgeStackd.stackd, edge, burstCount);
await edgeStackd.stackd.stop();

// 1. Memory at the count the NodePort range holds (both modes), then gateway to stackCount.
const nodeport = await stackdOf("nodeport", {});
const gateway = await stackdOf("gateway", gatewayEnv);
await Bun.sleep(2000);
const rssEmpty = { nodeport: nodeport.stackd.rssKb(), gateway: gateway.stackd.rssKb() };
const hostnames = new Set<string>();
const refusals: string[] = [];
let created = 0;
async function load(stackd: BenchStackd, target: number, already: number, keepHostnames: boolean) {
  let next = already;
  await timed(loadConcurrency, loadConcurrency, async () => {
    while (next < target) {
      next += 1;
      const made = await stackd.create();
      if (!made) {
        refusals.push(stackd.label);
        continue;
      }
      if (keepHostnames) {
        created += 1;
        hostnames.add(made.record.exposure?.hostname ?? "");
        if (created % 1000 === 0) log(`gateway: ${created} created (load ${loadAverage()})`);
      }
    }
  });
}
log(`nodeport and gateway: ${sameCount} stacks each (load ${loadAverage()})`);
await load(nodeport.stackd, sameCount, 0, false);
await load(gateway.stackd, sameCount, 0, true);
await Bun.sleep(3000);
const rssAtSame = { nodeport: nodeport.stackd.rssKb(), gateway: gateway.stackd.rssKb() };
const nodeportFailures = nodeport.stackd.failures;
await nodeport.stackd.stop();
log(`gateway: loading to ${stackCount} stacks, ${loadConcurrency} at a time`);
const loadStarted = performance.now();
await load(gateway.stackd, stackCount, sameCount, true);
const loadSeconds = (performance.now() - loadStarted) / 1000;
await Bun.sleep(5000);
const rssLoaded = gateway.stackd.rssKb();
const getStacks = async () => {
  const response = await fetch(`${gateway.stackd.base}/stacks`, { headers: benchHeaders });
  return new Uint8Array(await response.arrayBuffer());
};
await timed(5, 1, async () => void (await getStacks()));
const listMs = await timed(50, 1, async () => void (await getStacks()));
const listedStacks = (
  JSON.parse(new TextDecoder().decode(await getStacks())) as {
    stacks: Array<{ exposure?: { hostname?: string } }>;
  }
).stacks;
const listedHostnames = new Set(listedStacks.map((stack) => stack.exposure?.hostname));
const rssAfterReads = gateway.stackd.rssKb();
const gatewayFailures = gateway.stackd.failures;
await gateway.stackd.stop();
log("deleting the benchmark's namespaces (their stacks with them)");
for (const namespace of [
  gateway.namespace,
  nodeport.namespace,
  gatewayLatency.namespace,
  edgeStackd.namespace,
  floorNamespace,
])
  await deleteTestNamespace(kube, namespace);
await edge.kill();
await floorEdge.kill();

const perStack = (rss: number, empty: number, stacks: number) => round((rss - empty) / Math.max(1, stacks));
const heapAt = (mode: string, count: number) =>
  heapPerStack[mode]?.find(([stacks]) => stacks === count)?.[1] ?? Number.NaN;
const memory = {
  rssKbPerStack: {
    nodeportAtSame: perStack(rssAtSame.nodeport, rssEmpty.nodeport, sameCount),
    gatewayAtSame: perStack(rssAtSame.gateway, rssEmpty.gateway, sameCount),
    gatewayLoaded: perStack(rssLoaded, rssEmpty.gateway, stackCount),
    gatewayAfterReads: perStack(rssAfterReads, rssEmpty.gateway, stackCount),
  },
  heapKbPerStack: heapPerStack,
};
const c = (contender: Contender) => samples.get(contender) ?? { created: [], routed: [], roundP50: [] };
const table: Array<[string, string, string]> = [
  [
    `gateway: stacks created (201) of ${stackCount}`,
    `${created} (unique hostnames ${hostnames.size}; in GET /stacks ${listedStacks.length}, unique ${listedHostnames.size})`,
    `all, unique`,
  ],
  [
    `gateway: GET /stacks p50 at ${listedStacks.length}`,
    `${summarise(listMs).p50} ms (p99 ${summarise(listMs).p99})`,
    "reported",
  ],
  [
    `gateway: RSS per stack at ${stackCount}`,
    `${memory.rssKbPerStack.gatewayLoaded} KB (${memory.rssKbPerStack.gatewayAfterReads} after the reads)`,
    "reported",
  ],
  [
    `RSS per stack at ${sameCount}: gateway / nodeport`,
    `${memory.rssKbPerStack.gatewayAtSame} / ${memory.rssKbPerStack.nodeportAtSame} KB = ${round(memory.rssKbPerStack.gatewayAtSame / memory.rssKbPerStack.nodeportAtSame)}x`,
    "≤ 1.2x",
  ],
  ...[...new Set([sameCount, memoryCount])].map((count): [string, string, string] => [
    `heap per stack in process at ${count}: gateway / nodeport`,
    `${heapAt("gateway", count)} / ${heapAt("nodeport", count)} KB = ${round(heapAt("gateway", count) / heapAt("nodeport", count))}x`,
    "≤ 1.2x",
  ]),
  [
    `gateway: POST p50 / floor (Pod, bound, Service, TLSRoute)`,
    `${summarise(c("stackd gateway").created).p50} / ${summarise(c("floor gateway").created).p50} ms, ${ratioOf("stackd gateway", "floor gateway", 0)}x`,
    "≤ 1.3x",
  ],
  [
    `edge: POST p50 / floor (Pod, bound, Service)`,
    `${summarise(c("stackd edge").created).p50} / ${summarise(c("floor edge").created).p50} ms, ${ratioOf("stackd edge", "floor edge", 0)}x`,
    "≤ 1.3x",
  ],
  [
    `edge: POST → running p50 / floor → add map answered`,
    `${summarise(c("stackd edge").routed).p50} / ${summarise(c("floor edge").routed).p50} ms, ${ratioOf("stackd edge", "floor edge", 1)}x`,
    "≤ 1.3x",
  ],
  [
    `edge: DELETE → TLS connect gets no banner (${unroute.tls.length})`,
    `p50 ${summarise(unroute.tls).p50} ms, p95 ${round(percentile(unroute.tls, 0.95))} ms`,
    "reported",
  ],
  [
    `edge: DELETE → gone from show map (${unroute.map.length})`,
    `p50 ${summarise(unroute.map).p50} ms, p95 ${round(percentile(unroute.map, 0.95))} ms`,
    "reported",
  ],
  [
    `edge: ${burstCount}-create burst → all in show map`,
    `${round(burst.toMapMs / 1000)} s, ${round((burst.created / burst.toMapMs) * 1000)} entries/s; create p50 ${round(summarise(burst.createMs).p50 / 1000)} s; ${burst.failed} failed`,
    "reported",
  ],
];
console.log(`\nexposure modes; NodePort range ${rangeMin}-${rangeMax}; load average ${loadAverage()}\n`);
console.log("| figure | measured | goal |\n| --- | --- | --- |");
for (const [name, value, goal] of table) console.log(`| ${name} | ${value} | ${goal} |`);
console.log(
  `\nper-round p50 ratios (create): gateway ${perRoundRatios("stackd gateway", "floor gateway", 0)}; edge ${perRoundRatios("stackd edge", "floor edge", 0)}; edge to running ${perRoundRatios("stackd edge", "floor edge", 1)}`,
);
console.log(
  `gateway load: ${round(loadSeconds)} s, ${round((stackCount - sameCount) / loadSeconds)} creates/s at ${loadConcurrency}; refusals ${refusals.length} (nodeport ${nodeportFailures}, gateway ${gatewayFailures})`,
);

mkdirSync(join(repo, "bench", "results"), { recursive: true });
writeFileSync(
  join(repo, "bench", "results", "exposure.json"),
  `${JSON.stringify(
    {
      date: new Date().toISOString(),
      nodePortRange: `${rangeMin}-${rangeMax}`,
      loadAverage: loadAverage(),
      counts: {
        stackCount,
        sameCount,
        memoryCount,
        rounds,
        perRound,
        unrouteCount,
        burstCount,
        loadConcurrency,
      },
      gateway: {
        created,
        uniqueHostnames: hostnames.size,
        listed: listedStacks.length,
        listedUniqueHostnames: listedHostnames.size,
        refusals: refusals.length,
        loadSeconds: round(loadSeconds),
        getStacks: summarise(listMs),
      },
      memory: {
        ...memory,
        rssKb: { empty: rssEmpty, atSame: rssAtSame, loaded: rssLoaded, afterReads: rssAfterReads },
      },
      create: Object.fromEntries(
        contenders.map((contender) => [
          contender,
          {
            created: summarise(c(contender).created),
            routed: summarise(c(contender).routed),
            roundP50: c(contender).roundP50,
          },
        ]),
      ),
      createRatios: {
        gateway: ratioOf("stackd gateway", "floor gateway", 0),
        edge: ratioOf("stackd edge", "floor edge", 0),
        edgeToRunning: ratioOf("stackd edge", "floor edge", 1),
      },
      edgeUnroute: {
        tls: { ...summarise(unroute.tls), p95: round(percentile(unroute.tls, 0.95)) },
        map: { ...summarise(unroute.map), p95: round(percentile(unroute.map, 0.95)) },
      },
      edgeBurst: {
        ...burst,
        createMs: summarise(burst.createMs),
        entriesPerSecond: round((burst.created / burst.toMapMs) * 1000),
      },
    },
    null,
    2,
  )}\n`,
);
log(
  `wrote bench/results/exposure.json; stop the cluster with: STACKD_CLUSTER=${process.env.STACKD_CLUSTER} tools/bun.sh run cluster down`,
);
if (created < stackCount || hostnames.size !== created) {
  console.error(
    `FAILED: ${created} of ${stackCount} gateway stacks created (201), ${hostnames.size} unique hostnames; refusals: ${refusals.slice(0, 5).join(", ")}`,
  );
  process.exit(1);
}
process.exit(0);

function percentile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? Number.NaN;
}

function perRoundRatios(stackd: Contender, floor: Contender, pick: 0 | 1): string {
  const theirs = samples.get(floor)?.roundP50 ?? [];
  return (samples.get(stackd)?.roundP50 ?? [])
    .map((p50, index) => `${round(p50[pick] / (theirs[index]?.[pick] ?? Number.NaN))}x`)
    .join(", ");
}

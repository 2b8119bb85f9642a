import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { KeyRing } from "../src/keys/key-ring.ts";
import { OwnerLimits } from "../src/stacks/owner-limits.ts";
import { createTestNamespace } from "../test/helpers/cluster.ts";
import { fakeAppKey, fakeStackApp } from "../test/helpers/fake-app.ts";
import { fakeNode } from "../tools/cluster/fixture.ts";
import { freshBenchCluster } from "./bench-cluster.ts";
import { BenchStackd } from "./bench-stackd.ts";
import { benchPodSpec } from "./pod-spec.ts";
import { median, round, summarise } from "./stats.ts";

/**
 * Issue 18's hidden cost: what a keys file, per-owner limits and request ids add to a create.
 *
 * - In process: one `POST /stacks` through the HTTP app (fake stack commands, no cluster) with one
 *   `API_KEY` and no request id, against the same with a keys file's ring of BENCH_OPERATOR_KEYS (50)
 *   keys, an `X-Request-Id` and the owner limits' admit, hold and release: microseconds per create.
 * - End to end: two stackd processes of this build on one cluster, sequential creates in
 *   BENCH_OPERATOR_ROUNDS (6) rounds of BENCH_OPERATOR_PER_ROUND (20), the order turning each round: one
 *   with `API_KEY` alone, one with `API_KEYS_FILE`, `STACK_OWNER_LABEL=team`, `STACK_MAX_PER_OWNER`,
 *   `STACK_UNIQUE_LABELS=team,challenge` and an `X-Request-Id` on every create. Both send the same
 *   labels. Goal: at most 1.05x.
 *
 *   tools/bun.sh run bench:operator-cost
 */
const repo = resolve(import.meta.dir, "..");
const knob = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const keyCount = knob("BENCH_OPERATOR_KEYS", 50);
const rounds = knob("BENCH_OPERATOR_ROUNDS", 6);
const perRound = knob("BENCH_OPERATOR_PER_ROUND", 20);
const log = (message: string) =>
  console.error(`[bench:operator-cost ${new Date().toISOString().slice(11, 19)}] ${message}`);

/** Microseconds per `POST /stacks` through the app, with or without the operator's features. */
async function inProcessMicros(withFeatures: boolean, iterations = 5_000): Promise<number> {
  const keys = withFeatures
    ? new KeyRing([
        ...Array.from({ length: keyCount - 1 }, (_, index) => ({
          name: `platform-${index}`,
          key: `key-${index}-${"x".repeat(24)}`,
        })),
        { name: "default", key: fakeAppKey },
      ])
    : new KeyRing([{ name: "default", key: fakeAppKey }]);
  const limits = new OwnerLimits({ ownerLabel: "team", maxPerOwner: 3, uniqueLabels: ["team", "challenge"] });
  const app = fakeStackApp({ keys });
  const body = (index: number) =>
    JSON.stringify({
      target_port: 80,
      pod_spec: benchPodSpec,
      labels: { team: `t${index}`, challenge: "web" },
    });
  const once = async (index: number) => {
    const headers: Record<string, string> = { "x-api-key": fakeAppKey, "content-type": "application/json" };
    if (withFeatures) headers["x-request-id"] = `bench-${index}`;
    const response = await app.handle(
      new Request("http://stackd/stacks", { method: "POST", headers, body: body(index) }),
    );
    await response.arrayBuffer();
    if (withFeatures) {
      const labels = { team: `t${index}`, challenge: "web" };
      limits.admit(labels);
      limits.hold(`stack-${index}`, labels);
      limits.release(`stack-${index}`);
    }
  };
  for (let index = 0; index < 500; index += 1) await once(index);
  const started = performance.now();
  for (let index = 0; index < iterations; index += 1) await once(index);
  return ((performance.now() - started) / iterations) * 1000;
}

const plainMicros = median([
  await inProcessMicros(false),
  await inProcessMicros(false),
  await inProcessMicros(false),
]);
const featureMicros = median([
  await inProcessMicros(true),
  await inProcessMicros(true),
  await inProcessMicros(true),
]);
log(
  `in process: ${round(plainMicros)} µs plain, ${round(featureMicros)} µs with keys file, limits, request id`,
);

const { kubeconfigPath, kube } = await freshBenchCluster(log);
const stamp = Date.now().toString(36);
const nodeRole = "bench";
for (let index = 0; index < Math.ceil((rounds * perRound * 2) / 900) + 1; index += 1)
  await kube.core.createNode({
    body: fakeNode(
      { name: `operator-${stamp}-${index}`, role: nodeRole },
      { cpu: "4000", memory: "16Ti", pods: "1000" },
    ),
  });
const work = mkdtempSync(join(tmpdir(), "stackd-operator-cost-"));
const keysFile = join(work, "keys");
writeFileSync(
  keysFile,
  `${Array.from({ length: keyCount - 1 }, (_, index) => `platform-${index} key-${index}-${"x".repeat(24)}`).join("\n")}\n`,
);

let created = 0;
/** Every create a team of its own (so no limit refuses it) and the same challenge, as both contenders send. */
const labelledBody = () =>
  JSON.stringify({
    target_port: 80,
    pod_spec: benchPodSpec,
    labels: { team: `team-${created++}`, challenge: "web" },
  });

async function contender(label: string, overrides: Record<string, string>, requestIds: boolean) {
  const namespace = await createTestNamespace(kube, `operator-${label}`);
  mkdirSync(join(work, label), { recursive: true });
  const stackd = new BenchStackd({
    label,
    cwd: repo,
    namespace,
    portRange: label === "plain" ? [20000, 29999] : [30000, 39999],
    kubeconfigPath,
    nodeRole,
    dbPath: join(work, label, "stackd.db"),
    overrides,
    createBody: labelledBody,
    ...(requestIds ? { createHeaders: () => ({ "x-request-id": `bench-${label}-${created}` }) } : {}),
    log,
  });
  await stackd.ready();
  return stackd;
}

const plain = await contender("plain", {}, false);
const operator = await contender(
  "operator",
  {
    API_KEYS_FILE: keysFile,
    STACK_OWNER_LABEL: "team",
    STACK_MAX_PER_OWNER: "3",
    STACK_UNIQUE_LABELS: "team,challenge",
  },
  true,
);
const contenders = [plain, operator];
const samples = new Map(contenders.map((stackd) => [stackd.label, [] as number[]]));
const roundRatios: number[] = [];
await plain.sequential(5);
await operator.sequential(5);
for (let roundIndex = 0; roundIndex < rounds; roundIndex += 1) {
  const order = roundIndex % 2 === 0 ? contenders : [...contenders].reverse();
  const p50s = new Map<string, number>();
  for (const stackd of order) {
    const { post } = await stackd.sequential(perRound);
    samples.get(stackd.label)?.push(...post);
    p50s.set(stackd.label, median(post));
  }
  roundRatios.push((p50s.get("operator") ?? 0) / (p50s.get("plain") ?? 1));
  log(`round ${roundIndex + 1}: ratio ${round(roundRatios.at(-1) ?? 0)}x (load ${round(loadavg()[0] ?? 0)})`);
}
for (const stackd of contenders) await stackd.stop();
rmSync(work, { recursive: true, force: true });

const plainSummary = summarise(samples.get("plain") ?? []);
const operatorSummary = summarise(samples.get("operator") ?? []);
const endToEnd = median(roundRatios);
const inProcessAddedMs = (featureMicros - plainMicros) / 1000;
const rows = [
  [
    "in process: POST /stacks through the app (fake commands)",
    `${round(plainMicros)} µs → ${round(featureMicros)} µs`,
  ],
  [
    "in process: added per create / end-to-end plain p50",
    `${round(inProcessAddedMs * 1000)} µs / ${round(plainSummary.p50)} ms = ${round((plainSummary.p50 + inProcessAddedMs) / plainSummary.p50)}x`,
  ],
  [
    "end to end: POST p50 plain / with keys file, limits, request ids",
    `${round(plainSummary.p50)} / ${round(operatorSummary.p50)} ms`,
  ],
  [
    "end to end: median of the rounds' p50 ratios (goal ≤ 1.05x)",
    `${round(endToEnd)}x (rounds ${roundRatios.map((ratio) => `${round(ratio)}x`).join(", ")})`,
  ],
];
console.log("| figure | measured |\n| --- | --- |");
for (const [figure, measured] of rows) console.log(`| ${figure} | ${measured} |`);
mkdirSync(join(repo, "bench/results"), { recursive: true });
writeFileSync(
  join(repo, "bench/results/operator-cost.json"),
  JSON.stringify(
    {
      at: new Date().toISOString(),
      keys: keyCount,
      rounds,
      perRound,
      inProcessMicros: { plain: plainMicros, withFeatures: featureMicros },
      endToEnd: { plain: plainSummary, withFeatures: operatorSummary, roundRatios, ratio: endToEnd },
    },
    null,
    2,
  ),
);
log(
  `wrote bench/results/operator-cost.json; stop the cluster with: STACKD_CLUSTER=${process.env.STACKD_CLUSTER} tools/bun.sh run cluster down`,
);
process.exit(0);

import { createApp } from "../src/http/app.ts";
import { KeyRing } from "../src/keys/key-ring.ts";
import { silentLogger } from "../src/log/logger.ts";
import { sanitizePodSpec } from "../src/podspec/sanitize-pod-spec.ts";
import { StackReads } from "../src/stacks/stack-reads.ts";
import type { StoredStack } from "../src/stacks/stack-record.ts";
import type { StackUpdate } from "../src/stacks/stack-update.ts";
import { benchPodSpec } from "./pod-spec.ts";
import { summarise } from "./stats.ts";

/**
 * `GET /stacks?label=...` on 10,000 stacks, without a cluster: the read side holds 10,000 records (the
 * bench pod spec, 100 teams, 4 challenges), and each request goes through the whole HTTP app, key check
 * and query parsing included. `bun bench/label-filter.ts` prints p50 and p99 per query.
 */
const stackCount = 10_000;
const rounds = 300;
const podSpecYaml = sanitizePodSpec(benchPodSpec, 80).yaml;
const created = Date.parse("2026-11-28T20:00:00.000Z");

function record(index: number): StoredStack {
  const stackId = `stack-${index.toString(16).padStart(16, "0")}`;
  return {
    stack_id: stackId,
    pod_id: stackId,
    namespace: "stacks",
    node_id: `node-${index % 8}`,
    node_public_ip: "203.0.113.11",
    pod_spec: podSpecYaml,
    target_port: 80,
    node_port: 20000 + index,
    service_name: `svc-${stackId}`,
    status: index % 10 === 0 ? "creating" : "running",
    status_reason: null,
    ttl_expires_at: new Date(created + 7_200_000).toISOString(),
    created_at: new Date(created + index * 10).toISOString(),
    updated_at: new Date(created + index * 10).toISOString(),
    requested_cpu_milli: 100,
    requested_memory_bytes: 134_217_728,
    ports: [{ container_port: 80, protocol: "TCP", node_port: 20000 + index }],
    labels: { team: String(index % 100), challenge: `c${index % 4}` },
    endpoints: [],
    acknowledged: true,
  };
}

let deliver: (update: StackUpdate) => void = () => {};
const updates = {
  onUpdate(listener: (update: StackUpdate) => void) {
    deliver = listener;
    return () => {};
  },
};
const reads = new StackReads(updates, () => stackCount);
for (let index = 0; index < stackCount; index += 1)
  deliver({ kind: "restored", stack: record(index), at: 0 });

const key = "bench-key";
const app = createApp({
  commands: {} as never,
  queries: reads,
  logger: silentLogger,
  keys: new KeyRing([{ name: "default", key: key }]),
  maxBodyBytes: 1_048_576,
});

async function measure(path: string): Promise<{ p50: number; p99: number; stacks: number }> {
  const samples: number[] = [];
  let stacks = 0;
  for (let round = 0; round < rounds; round += 1) {
    const started = performance.now();
    const response = await app.handle(
      new Request(`http://localhost${path}`, { headers: { "x-api-key": key } }),
    );
    const text = await response.text();
    samples.push(performance.now() - started);
    const body = JSON.parse(text) as { stacks?: unknown[]; total_stacks?: number };
    if (round === 0) stacks = body.stacks?.length ?? body.total_stacks ?? 0;
  }
  const { p50, p99 } = summarise(samples.slice(20));
  return { p50, p99, stacks };
}

console.log(
  `| query on ${stackCount} stacks | stacks answered | p50 ms | p99 ms |\n| --- | ---: | ---: | ---: |`,
);
for (const path of [
  "/stacks?label=team=42",
  "/stacks?label=team=42&label=challenge=c2",
  "/stacks?label=challenge=c1",
  "/stacks?label=team=42&status=running&node=node-2",
  "/stacks?label=challenge=c1&limit=100",
  "/stats?label=team=42",
]) {
  const { p50, p99, stacks } = await measure(path);
  console.log(`| \`${path}\` | ${stacks} | ${p50} | ${p99} |`);
}
process.exit(0);

import { SimulatedClock } from "xstate";
import type { ExposureConfig } from "../src/exposure/exposure-config.ts";
import { exposureLeases } from "../src/exposure/exposure-leases.ts";
import { silentLogger } from "../src/log/logger.ts";
import { sanitizePodSpec } from "../src/podspec/sanitize-pod-spec.ts";
import { PortAllocator } from "../src/ports/port-allocator.ts";
import { provideStackEffects } from "../src/stacks/provided-stack-machine.ts";
import { StackActors } from "../src/stacks/stack-actors.ts";
import { StackReads } from "../src/stacks/stack-reads.ts";
import { StackService } from "../src/stacks/stack-service.ts";
import { openDatabase } from "../src/store/database.ts";
import { StackStore } from "../src/store/stack-store.ts";
import { localGateway } from "../tools/cluster/gateway-fixture.ts";
import { benchPodSpec } from "./pod-spec.ts";

/**
 * Heap per running stack in stackd's own structures (actors, records, reads), without a cluster and
 * without the noise of a shared machine's RSS: effects are instant fakes and the heap is measured after
 * a full GC. `bun bench/actor-memory.ts` prints KB per stack at 1,000 and 10,000 NodePort stacks; with a
 * mode and counts (`bun bench/actor-memory.ts gateway 100,10000`, as bench/exposure.ts runs it, one process
 * per mode so each starts from a fresh heap) it prints {"mode":…,"rows":[[stacks, KB per stack],…]}.
 */
const mode = (process.argv[2] ?? "nodeport") as "nodeport" | "gateway";
const counts = (process.argv[3] ?? "1000,10000").split(",").map(Number);
const asJson = process.argv[2] !== undefined;

const config: ExposureConfig = {
  mode,
  domain: mode === "gateway" ? localGateway.domain : "",
  publicPort: 443,
  gateway:
    mode === "gateway"
      ? {
          namespace: localGateway.namespace,
          name: localGateway.name,
          tlsSection: localGateway.tlsSection,
          httpsSection: localGateway.httpsSection,
        }
      : null,
  edge: null,
  edgePeers: null,
  hostPortMin: 1,
  hostPortMax: 1,
};
const running = {
  exists: true,
  phase: "Running",
  nodeName: "n1",
  ready: true,
  failureReason: null,
  unschedulableReason: null,
};

const clock = new SimulatedClock();
const store = new StackStore(openDatabase(":memory:"));
const ports = new PortAllocator({ min: 20000, max: 40000 });
ports.sync([]);
const holder: { actors?: StackActors } = {};
const machine = provideStackEffects(
  {
    provision: async (input) => {
      queueMicrotask(() => holder.actors?.podChanged(input.identity.stackId, running, "203.0.113.11"));
      return { created: true };
    },
    expose: async (input) => ({ nodePorts: input.nodePorts }),
    teardown: async () => {},
    restoreService: async (input) => ({ nodePorts: input.nodePorts }),
    recordTerminal: async () => {},
    recordExpiry: async () => ({ written: true }),
  },
  { now: () => clock.now(), schedulingTimeoutMs: 20_000 },
);
const exposure = exposureLeases({
  config,
  nodePorts: ports,
  hostPorts: { lease: () => null, release: () => undefined },
  stackNodes: () => [],
});
const actors = new StackActors({
  machine,
  store,
  ports: { release: (stackId) => exposure.release(stackId) },
  logger: silentLogger,
  clock,
});
holder.actors = actors;
const reads = new StackReads(actors, () => ports.leasedCount());
const service = new StackService({
  actors,
  reads,
  exposure,
  namespace: "bench",
  stackTtlMs: 86_400_000,
  createDeadlineMs: 60_000,
  deleteWaitMs: 2_000,
  clock: clock as never,
});
const heapKb = () => {
  Bun.gc(true);
  return process.memoryUsage().heapUsed / 1024;
};
const empty = heapKb();
const rows: Array<[number, number]> = [];
for (const target of counts) {
  while (actors.size < target) {
    const sanitised = sanitizePodSpec(benchPodSpec, 80);
    await service.create({
      manifest: sanitised.pod as never,
      podSpecYaml: sanitised.yaml,
      ports: [{ containerPort: 80, protocol: "TCP" }],
      targetPort: 80,
      labels: {},
      requestedCpuMilli: sanitised.requestedCpuMilli,
      requestedMemoryBytes: sanitised.requestedMemoryBytes,
    });
  }
  rows.push([target, Math.round(((heapKb() - empty) / target) * 100) / 100]);
}
if (asJson) console.log(JSON.stringify({ mode, rows }));
else {
  console.log("| stacks | heap per stack |\n| ---: | ---: |");
  for (const [stacks, perStack] of rows) console.log(`| ${stacks} | ${perStack.toFixed(2)} KB |`);
}
process.exit(0);

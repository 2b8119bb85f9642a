import type { V1Pod } from "@kubernetes/client-node";
import { HaproxyRuntimeApi } from "../src/exposure/edge/haproxy-runtime-api.ts";
import type { TypedKubeClient } from "../src/kube/typed-api.ts";
import { challengeServer, tlsFirstLine } from "../test/helpers/edge-tls.ts";
import type { EdgeHaproxy } from "../test/helpers/haproxy.ts";
import { fakeNode } from "../tools/cluster/fixture.ts";
import { type BenchStackd, benchHeaders } from "./bench-stackd.ts";

/**
 * A kwok node whose podCIDR is a loopback range, so that each of its pods gets an address where the
 * benchmark can serve the pod's challenge (as test/integration/exposure/edge-player-path.test.ts does).
 */
export async function loopbackNode(kube: TypedKubeClient, name: string, role: string, cidr: string) {
  const node = fakeNode({ name, role }, { cpu: "4000", memory: "16Ti", pods: "3000" });
  await kube.transport.send("POST", "/api/v1/nodes", {
    body: { ...node, spec: { podCIDR: cidr, podCIDRs: [cidr] } },
  });
}

/** A pod spec whose one container listens on `port` (the challenge's port on the pod's loopback address). */
export function challengePodSpec(port: number): string {
  return [
    "apiVersion: v1",
    "kind: Pod",
    "metadata: {name: challenge}",
    "spec:",
    "  containers:",
    "  - name: app",
    "    image: challenge:latest",
    `    ports: [{containerPort: ${port}}]`,
    "    resources: {limits: {cpu: 10m, memory: 16Mi}}",
  ].join("\n");
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (performance.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await Bun.sleep(5);
  }
}

/** The first line a player reads through the edge for `hostname`; "" when refused (closed, reset). */
const playerReads = (edge: EdgeHaproxy, hostname: string, ca: string) =>
  tlsFirstLine(edge.edgePort, hostname, ca, 2000).catch(() => "");

/** Per stack, ms from sending `DELETE /stacks/{id}`: until a player's TLS connect gets no banner, and until `show map` lacks the hostname. */
export interface UnrouteTimings {
  tls: number[];
  map: number[];
}

/**
 * For `count` stacks, one after another: create it through stackd, serve its challenge on its pod's
 * address, wait until a player reads the banner through HAProxy, then send DELETE and time, from the
 * moment it is sent, until a TLS connect with its SNI gets no banner (polled back to back) and until
 * HAProxy's `show map` no longer holds it (polled every 2 ms on its own connections).
 */
export async function measureUnroute(options: {
  stackd: BenchStackd;
  kube: TypedKubeClient;
  edge: EdgeHaproxy;
  ca: string;
  port: number;
  count: number;
}): Promise<UnrouteTimings> {
  const { stackd, kube, edge, ca, count } = options;
  const api = new HaproxyRuntimeApi({ address: edge.tcpAddress, timeoutMs: 5000 });
  const timings: UnrouteTimings = { tls: [], map: [] };
  for (let index = 0; index < count; index += 1) {
    const created = await stackd.create();
    if (!created) throw new Error("a create for the unroute measurement failed");
    const { stackId, record } = created;
    const hostname = record.exposure?.hostname ?? "";
    const banner = `stack ${index} here`;
    const address = await until("the pod's address", async () => {
      const pod = await kube.transport.send<V1Pod>(
        "GET",
        `/api/v1/namespaces/${record.namespace}/pods/${stackId}`,
      );
      return pod.status?.podIP || undefined;
    });
    const server = challengeServer(address, banner, options.port);
    try {
      await until("the banner through the edge", async () =>
        (await playerReads(edge, hostname, ca)) === banner ? true : undefined,
      );
      const sent = performance.now();
      const deleted = fetch(`${stackd.base}/stacks/${stackId}`, { method: "DELETE", headers: benchHeaders });
      const tls = until(
        "no banner after DELETE",
        async () => ((await playerReads(edge, hostname, ca)) === banner ? undefined : performance.now()),
        10_000,
      );
      const map = until(
        "the entry gone from show map",
        async () => {
          const entries = await api.showMap(edge.mapPath);
          return entries.some((entry) => entry.key === hostname) ? undefined : performance.now();
        },
        10_000,
      );
      timings.tls.push((await tls) - sent);
      timings.map.push((await map) - sent);
      const answer = await deleted;
      if (answer.status !== 200) throw new Error(`DELETE answered ${answer.status}: ${await answer.text()}`);
    } finally {
      // kwok hands the address to a later pod: the challenge goes with its stack.
      server.stop(true);
    }
  }
  return timings;
}

/** A burst through stackd in edge mode: each create's time, and from the first POST until `show map` held every hostname. */
export interface EdgeBurst {
  createMs: number[];
  created: number;
  failed: number;
  toMapMs: number;
}

/**
 * `count` concurrent `POST /stacks` to an edge stackd; `show map` is polled (every 10 ms, on its own
 * connection) until it holds the hostname of every create that answered 201.
 */
export async function measureEdgeBurst(stackd: BenchStackd, edge: EdgeHaproxy, count: number) {
  const api = new HaproxyRuntimeApi({ address: edge.tcpAddress, timeoutMs: 10_000 });
  const hostnames: string[] = [];
  const createMs: number[] = [];
  let answered = 0;
  const began = performance.now();
  const creates = Array.from({ length: count }, async () => {
    const created = await stackd.create();
    answered += 1;
    if (!created) return;
    createMs.push(performance.now() - created.started);
    hostnames.push(created.record.exposure?.hostname ?? "");
  });
  let toMapMs = Number.NaN;
  for (;;) {
    const shown = new Set((await api.showMap(edge.mapPath)).map((entry) => entry.key));
    if (answered === count && hostnames.every((hostname) => shown.has(hostname))) {
      toMapMs = performance.now() - began;
      break;
    }
    if (performance.now() - began > 300_000) throw new Error("the burst was not in the map within 300 s");
    await Bun.sleep(10);
  }
  await Promise.all(creates);
  return {
    createMs,
    created: hostnames.length,
    failed: count - hostnames.length,
    toMapMs,
  } satisfies EdgeBurst;
}

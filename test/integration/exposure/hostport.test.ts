import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { V1Node, V1Pod } from "@kubernetes/client-node";
import { podSecurityEnforceLabel } from "../../../src/exposure/host-port-pod-security.ts";
import { fakeNode } from "../../../tools/cluster/fixture.ts";
import {
  createTestNamespace,
  deleteTestNamespace,
  eventually,
  testKubeClient,
} from "../../helpers/cluster.ts";
import { podSpecYaml, startTestStackd, type TestStackd } from "../../helpers/stackd.ts";

/**
 * STACK_EXPOSURE=hostport against the real control plane, as one scenario in order: an in-process stackd
 * places stacks on its own two kwok nodes (a role of their own, with ExternalIPs) in a 10-port range, runs
 * out, frees a slot, carries UDP, and keeps its leases across restarts. Its namespace is privileged, as
 * hostport mode requires.
 */
const kube = testKubeClient();
const suffix = crypto.randomUUID().slice(0, 6);
const role = `hp-e2e-${suffix}`;
const nodeIps: Record<string, string> = {
  [`${role}-a`]: "198.51.100.31",
  [`${role}-b`]: "198.51.100.32",
};
const nodes = Object.keys(nodeIps);
const hostPortMin = 21000;
const hostPortMax = 21009;
const env = {
  STACK_EXPOSURE: "hostport",
  STACK_HOSTPORT_MIN: String(hostPortMin),
  STACK_HOSTPORT_MAX: String(hostPortMax),
  STACK_NODE_ROLE: role,
  STACKD_INSTANCE: role,
};
const dbDir = mkdtempSync(join(tmpdir(), "stackd-hostport-"));
let namespace = "";
let stackd: TestStackd | undefined;

interface HostPortStack {
  stack_id: string;
  node_port?: number;
  node_public_ip: string | null;
  exposure: { mode: string; node: string; host_ports: number[] };
  endpoints: Array<{
    protocol: string;
    kind: string;
    host: string | null;
    port: number;
    connect: string | null;
  }>;
}

const start = (options: { dbDir?: string } = {}) =>
  startTestStackd(kube, env, { namespace, ...options }).then((started) => {
    stackd = started;
    return started;
  });

function running(): TestStackd {
  if (!stackd) throw new Error("stackd is not running");
  return stackd;
}

const createTcp = () => running().call("POST", "/stacks", { target_port: 80, pod_spec: podSpecYaml() });

/** The stack as stackd lists it once its pod is on its node (node_public_ip set). */
const placed = (stackId: string): Promise<HostPortStack> =>
  eventually(`${stackId} on its node`, async () => {
    const { body } = await running().call("GET", `/stacks/${stackId}`);
    return body?.node_public_ip ? (body as HostPortStack) : undefined;
  });

/** Ready, and the node controller has lifted its not-ready taint (stackd pins stacks only to such nodes). */
const isReady = (node: V1Node) =>
  node.status?.conditions?.some((condition) => condition.type === "Ready" && condition.status === "True") &&
  !(node.spec?.taints ?? []).some((taint) => taint.key.startsWith("node.kubernetes.io/"));

beforeAll(async () => {
  for (const name of nodes)
    await kube.core.createNode({ body: fakeNode({ name, role, externalIp: nodeIps[name] as string }) });
  await eventually("the test's nodes Ready", async () => {
    const ready = await Promise.all(nodes.map((name) => kube.core.readNode({ name }).then(isReady)));
    return ready.every(Boolean) || undefined;
  });
  namespace = await createTestNamespace(kube, "hostport-e2e");
  const object = await kube.core.readNamespace({ name: namespace });
  object.metadata = {
    ...object.metadata,
    labels: { ...object.metadata?.labels, [podSecurityEnforceLabel]: "privileged" },
  };
  await kube.core.replaceNamespace({ name: namespace, body: object });
  await start({ dbDir });
});

afterAll(async () => {
  await stackd?.stop();
  await deleteTestNamespace(kube, namespace);
  await Promise.all(nodes.map((name) => kube.core.deleteNode({ name }).catch(() => {})));
  rmSync(dbDir, { recursive: true, force: true });
});

describe("STACK_EXPOSURE=hostport", () => {
  const stacks: HostPortStack[] = [];

  it("places 20 stacks 10 per node, each on its own (node, host port), reached at the node's ExternalIP", async () => {
    for (let index = 0; index < 20; index += 1) {
      const { status, body } = await createTcp();
      expect(status).toBe(201);
      expect(body.exposure.mode).toBe("hostport");
      stacks.push(await placed(body.stack_id));
    }
    const slots = stacks.map((stack) => `${stack.exposure.node}:${stack.exposure.host_ports[0]}`);
    expect(new Set(slots).size).toBe(20);
    for (const node of nodes) expect(stacks.filter((stack) => stack.exposure.node === node)).toHaveLength(10);
    for (const stack of stacks) {
      const [hostPort] = stack.exposure.host_ports as [number];
      const ip = nodeIps[stack.exposure.node];
      expect(hostPort).toBeGreaterThanOrEqual(hostPortMin);
      expect(hostPort).toBeLessThanOrEqual(hostPortMax);
      expect(stack.node_public_ip).toBe(ip as string);
      expect(stack.node_port).toBe(hostPort);
      expect(stack.endpoints[0]).toMatchObject({ kind: "tcp", host: ip, port: hostPort });
      expect(stack.endpoints[0]?.connect).toBe(`nc ${ip} ${hostPort}`);
    }
  });

  it("pins the stack's Pod to its node with its host port", async () => {
    const [stack] = stacks as [HostPortStack];
    const pod: V1Pod = await kube.core.readNamespacedPod({ name: stack.stack_id, namespace });
    expect(pod.spec?.nodeSelector).toMatchObject({ role, "kubernetes.io/hostname": stack.exposure.node });
    expect(pod.spec?.nodeName).toBe(stack.exposure.node);
    expect(pod.spec?.containers[0]?.ports?.[0]).toMatchObject({
      containerPort: 80,
      hostPort: stack.exposure.host_ports[0],
    });
  });

  it("answers the 21st create 503 no available host port", async () => {
    const { status, body } = await createTcp();
    expect(status).toBe(503);
    expect(body).toEqual({ error: "no available host port" });
  });

  it("gives a deleted stack's (node, host port) to the next create", async () => {
    const freed = stacks.shift() as HostPortStack;
    expect((await running().call("DELETE", `/stacks/${freed.stack_id}`)).status).toBeLessThan(300);
    const { status, body } = await createTcp();
    expect(status).toBe(201);
    expect(body.exposure).toMatchObject({ node: freed.exposure.node, host_ports: freed.exposure.host_ports });
    stacks.push(await placed(body.stack_id));
  });

  it("gives a UDP port a host port of its own, reached with nc -u", async () => {
    const { status, body } = await running().call("POST", "/stacks", {
      target_port: [{ container_port: 53, protocol: "UDP" }],
      pod_spec: [
        "apiVersion: v1",
        "kind: Pod",
        "metadata: {name: challenge}",
        "spec:",
        "  containers:",
        "  - name: app",
        "    image: nginx:stable",
        "    ports: [{containerPort: 53, protocol: UDP}]",
        '    resources: {limits: {cpu: "50m", memory: 32Mi}}',
      ].join("\n"),
    });
    expect(status).toBe(201);
    const stack = await placed(body.stack_id);
    const [hostPort] = stack.exposure.host_ports as [number];
    const ip = nodeIps[stack.exposure.node] as string;
    expect(stack.endpoints).toEqual([
      { protocol: "UDP", kind: "udp", host: ip, port: hostPort, connect: `nc -u ${ip} ${hostPort}` },
    ]);
    const pod: V1Pod = await kube.core.readNamespacedPod({ name: stack.stack_id, namespace });
    expect(pod.spec?.containers[0]?.ports?.[0]).toMatchObject({ protocol: "UDP", hostPort });
  });

  it("keeps the leases across a restart on the same database: every TCP slot stays held", async () => {
    await running().stop();
    await start({ dbDir });
    const { status, body } = await createTcp();
    expect([status, body]).toEqual([503, { error: "no available host port" }]);
  });

  it("keeps the leases across a restart on a fresh database, learnt back from the cluster", async () => {
    await running().stop();
    await start();
    const { body: listed } = await running().call("GET", "/stacks");
    expect(listed.stacks.length).toBe(21);
    const { status } = await createTcp();
    expect(status).toBe(503);
    const freed = stacks.shift() as HostPortStack;
    await running().call("DELETE", `/stacks/${freed.stack_id}`);
    const again = await createTcp();
    expect(again.status).toBe(201);
    expect(again.body.exposure).toMatchObject({
      node: freed.exposure.node,
      host_ports: freed.exposure.host_ports,
    });
  });
});

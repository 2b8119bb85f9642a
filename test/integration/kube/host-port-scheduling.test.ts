import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { V1Pod } from "@kubernetes/client-node";
import { withHostPorts } from "../../../src/cluster/host-port-placement.ts";
import { toKubeApiError } from "../../../src/kube/errors.ts";
import { fakeNode } from "../../../tools/cluster/fixture.ts";
import { deleteTestNamespace, eventually, testKubeClient, testPod } from "../../helpers/cluster.ts";

/**
 * What hostport exposure relies on the real kube-scheduler for: its NodePorts filter keeps a (node,
 * protocol, hostPort) to one pod, so stackd's own leases are double-checked. The file has its own nodes
 * (a role of its own, so no other test's pods land there) and its own namespaces.
 */
const kube = testKubeClient();
const suffix = crypto.randomUUID().slice(0, 6);
const role = `hostport-${suffix}`;
const nodes = [`hp-${suffix}-1`, `hp-${suffix}-2`];
const namespaces: string[] = [];
let namespace = "";

async function createNamespace(prefix: string, enforce: "baseline" | "privileged"): Promise<string> {
  const name = `${prefix}-${suffix}`;
  await kube.core.createNamespace({
    body: {
      metadata: {
        name,
        labels: { "stackd.test/owned": "true", "pod-security.kubernetes.io/enforce": enforce },
      },
    },
  });
  namespaces.push(name);
  await eventually("the default ServiceAccount", async () => {
    await kube.core.readNamespacedServiceAccount({ name: "default", namespace: name });
    return true;
  });
  return name;
}

beforeAll(async () => {
  for (const name of nodes) await kube.core.createNode({ body: fakeNode({ name, role }) });
  namespace = await createNamespace("hostport", "privileged");
});

afterAll(async () => {
  await Promise.all(namespaces.map((name) => deleteTestNamespace(kube, name)));
  await Promise.all(nodes.map((name) => kube.core.deleteNode({ name }).catch(() => {})));
});

/** A pod exposing `containerPort` on `hostPort`, pinned as stackd pins a stack's pod. */
function pinnedPod(name: string, node: string, hostPort: number, protocol: "TCP" | "UDP" = "TCP"): V1Pod {
  const pod = testPod(name);
  const spec = pod.spec as NonNullable<V1Pod["spec"]>;
  spec.nodeSelector = { role };
  (spec.containers[0] as NonNullable<V1Pod["spec"]>["containers"][number]).ports = [
    { containerPort: 8080, protocol },
  ];
  return withHostPorts(pod, [{ containerPort: 8080, protocol }], { node, hostPorts: [hostPort] });
}

async function create(pod: V1Pod): Promise<void> {
  await kube.core.createNamespacedPod({ namespace, body: pod });
}

function scheduledOn(name: string): Promise<string> {
  return eventually(`${name} to be scheduled`, async () => {
    const pod: V1Pod = await kube.core.readNamespacedPod({ name, namespace });
    return pod.spec?.nodeName || undefined;
  });
}

/** The scheduler's Unschedulable message for a pod it will not place. */
function unschedulable(name: string): Promise<string> {
  return eventually(`${name} to be reported Unschedulable`, async () => {
    const pod: V1Pod = await kube.core.readNamespacedPod({ name, namespace });
    const condition = pod.status?.conditions?.find((entry) => entry.type === "PodScheduled");
    return condition?.status === "False" && condition.reason === "Unschedulable"
      ? condition.message
      : undefined;
  });
}

describe("host ports on the real kube-scheduler", () => {
  it("leaves a second pod with the same hostPort and protocol on the same node Pending, Unschedulable", async () => {
    const [node] = nodes as [string, string];
    await create(pinnedPod("first", node, 7000));
    expect(await scheduledOn("first")).toBe(node);
    await create(pinnedPod("second", node, 7000));
    const message = await unschedulable("second");
    expect(message).toContain("didn't have free ports for the requested pod ports");
    const second: V1Pod = await kube.core.readNamespacedPod({ name: "second", namespace });
    expect(second.spec?.nodeName).toBeUndefined();
    expect(second.status?.phase).toBe("Pending");
  });

  it("schedules the same hostPort and protocol on two different nodes", async () => {
    const [one, two] = nodes as [string, string];
    await create(pinnedPod("on-one", one, 7001));
    await create(pinnedPod("on-two", two, 7001));
    expect([await scheduledOn("on-one"), await scheduledOn("on-two")]).toEqual([one, two]);
  });

  it("schedules the same hostPort on one node once over TCP and once over UDP", async () => {
    const [node] = nodes as [string, string];
    await create(pinnedPod("over-tcp", node, 7002, "TCP"));
    await create(pinnedPod("over-udp", node, 7002, "UDP"));
    expect([await scheduledOn("over-tcp"), await scheduledOn("over-udp")]).toEqual([node, node]);
  });

  it("frees the port once the pod holding it is gone: the Pending pod then schedules", async () => {
    const [node] = nodes as [string, string];
    await create(pinnedPod("holder", node, 7003));
    expect(await scheduledOn("holder")).toBe(node);
    await create(pinnedPod("waiter", node, 7003));
    await unschedulable("waiter");
    await kube.core.deleteNamespacedPod({ name: "holder", namespace, gracePeriodSeconds: 0 });
    expect(await scheduledOn("waiter")).toBe(node);
  });

  it("is refused by Pod Security admission in a namespace that enforces baseline", async () => {
    const baseline = await createNamespace("hostport-baseline", "baseline");
    const refusal = await kube.core
      .createNamespacedPod({ namespace: baseline, body: pinnedPod("refused", nodes[0] as string, 7004) })
      .then(
        () => null,
        (error: unknown) => toKubeApiError(error),
      );
    expect(refusal?.status).toBe(403);
    expect(refusal?.message).toContain("hostPort");
  });
});

import type { V1NetworkPolicy, V1Node } from "@kubernetes/client-node";
import { stackLabels } from "../../src/cluster/stack-resources.ts";
import { isAlreadyExists, toKubeApiError } from "../../src/kube/errors.ts";
import { applyNetworkPolicy } from "../../src/kube/network-policies.ts";
import type { TypedKubeClient } from "../../src/kube/typed-api.ts";

export const fixtureNamespace = "stacks";

export interface FakeNode {
  name: string;
  /** The `role` label: "stack" and "backend" in the fixture; tests use roles of their own. */
  role: string;
  externalIp?: string;
}

/** Nodes mirroring production: two stack nodes with public addresses, one backend node without. */
export const defaultNodes: FakeNode[] = [
  { name: "stack-node-1", role: "stack", externalIp: "203.0.113.11" },
  { name: "stack-node-2", role: "stack", externalIp: "203.0.113.12" },
  { name: "backend-node-1", role: "backend" },
];

/**
 * Every fake node's InternalIP: where the API server dials the node's kubelet (kwok's server on
 * 127.0.0.1, see components.ts) for `pods/log`. Nothing else reads it.
 */
const kubeletAddress = "127.0.0.1";

/**
 * A Node object that kwok manages (label `type=kwok`), sized generously for tests. It carries an
 * InternalIP and a Hostname address: kwok's node-initialize stage rewrites the address list (dropping
 * an ExternalIP) of a node that lacks either.
 */
export function fakeNode(node: FakeNode, capacity = { cpu: "64", memory: "256Gi", pods: "1000" }): V1Node {
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: node.name,
      labels: {
        type: "kwok",
        role: node.role,
        "kubernetes.io/hostname": node.name,
        "kubernetes.io/os": "linux",
      },
      annotations: { "node.alpha.kubernetes.io/ttl": "0", "kwok.x-k8s.io/node": "fake" },
    },
    status: {
      capacity,
      allocatable: capacity,
      addresses: [
        ...(node.externalIp ? [{ type: "ExternalIP", address: node.externalIp }] : []),
        { type: "InternalIP", address: kubeletAddress },
        { type: "Hostname", address: node.name },
      ],
    },
  };
}

async function ignoreExisting(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    const failure = toKubeApiError(error);
    if (!isAlreadyExists(failure)) throw failure;
  }
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await Bun.sleep(200);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

const quota = { "requests.cpu": "6", "requests.memory": "6Gi", "limits.cpu": "6", "limits.memory": "6Gi" };

/** The production limits of a stacks namespace: a LimitRange per container and a ResourceQuota, waited on. */
export async function applyStackLimits(kube: TypedKubeClient, namespace: string): Promise<void> {
  const { core } = kube;
  await ignoreExisting(() =>
    core.createNamespacedLimitRange({
      namespace,
      body: {
        metadata: { name: "stack-limits" },
        spec: { limits: [{ type: "Container", max: { cpu: "500m", memory: "512Mi" } }] },
      },
    }),
  );
  await ignoreExisting(() =>
    core.createNamespacedResourceQuota({
      namespace,
      body: { metadata: { name: "stack-quota" }, spec: { hard: quota } },
    }),
  );
  await waitFor("the default ServiceAccount", async () => {
    await core.readNamespacedServiceAccount({ name: "default", namespace });
    return true;
  });
  await waitFor("the ResourceQuota status", async () => {
    const current = await core.readNamespacedResourceQuota({ name: "stack-quota", namespace });
    return Object.keys(current.status?.hard ?? {}).length === Object.keys(quota).length;
  });
}

/**
 * Pod Security Admission labels of a stacks namespace: the API server refuses pods that break the
 * baseline profile and answers pods that break the restricted profile with warnings.
 */
export const podSecurityLabels = {
  "pod-security.kubernetes.io/enforce": "baseline",
  "pod-security.kubernetes.io/warn": "restricted",
} as const;

/**
 * The ingress policy a stacks namespace ships with, so that stackd starts with
 * STACK_REQUIRE_INGRESS_NETWORK_POLICY=true: every pod that stackd does not manage gets no ingress.
 * It deliberately selects no stack pod: NetworkPolicies only add allowances, so any allow for stack
 * pods here would widen STACK_NETWORK_ISOLATION's per-port ingress, and a deny would cut players off
 * while isolation is off.
 */
export function defaultIngressPolicy(): V1NetworkPolicy {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: { name: "deny-ingress-to-non-stack-pods" },
    spec: {
      podSelector: {
        matchExpressions: [{ key: stackLabels.managedBy, operator: "NotIn", values: ["stackd"] }],
      },
      policyTypes: ["Ingress"],
    },
  };
}

/** Labels the namespace for Pod Security (adding the labels to an existing one) and applies its ingress policy. */
export async function applyNamespaceSecurity(kube: TypedKubeClient, namespace: string): Promise<void> {
  await ignoreExisting(() =>
    kube.core.createNamespace({ body: { metadata: { name: namespace, labels: { ...podSecurityLabels } } } }),
  );
  await kube.transport.send("PATCH", `/api/v1/namespaces/${namespace}`, {
    body: { metadata: { labels: podSecurityLabels } },
    contentType: "application/merge-patch+json",
  });
  await applyNetworkPolicy(kube.transport, namespace, defaultIngressPolicy());
}

/**
 * Creates or brings up to date the namespace (Pod Security labels, ingress policy), nodes,
 * LimitRange and ResourceQuota, and waits until usable. Safe to run again on a cluster made by an
 * older fixture.
 */
export async function applyFixture(
  kube: TypedKubeClient,
  namespace = fixtureNamespace,
  nodes = defaultNodes,
): Promise<void> {
  const { core } = kube;
  await applyNamespaceSecurity(kube, namespace);
  for (const node of nodes) await ignoreExisting(() => core.createNode({ body: fakeNode(node) }));
  await applyStackLimits(kube, namespace);
  await waitFor("kwok to make the nodes Ready", async () => {
    const list = await core.listNode({ labelSelector: "type=kwok" });
    const ready = list.items.filter((item) =>
      item.status?.conditions?.some((condition) => condition.type === "Ready" && condition.status === "True"),
    );
    return nodes.every((node) => ready.some((item) => item.metadata?.name === node.name));
  });
}

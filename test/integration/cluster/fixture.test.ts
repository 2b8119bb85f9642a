import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { V1NetworkPolicy, V1Pod } from "@kubernetes/client-node";
import { KubeApiError } from "../../../src/kube/errors.ts";
import { networkPoliciesPath } from "../../../src/kube/network-policies.ts";
import { checkIngressPolicy } from "../../../src/network/network-policy.ts";
import {
  applyNamespaceSecurity,
  defaultIngressPolicy,
  podSecurityLabels,
} from "../../../tools/cluster/fixture.ts";
import { createTestNamespace, deleteTestNamespace, testKubeClient, testPod } from "../../helpers/cluster.ts";

const kube = testKubeClient();
const policyName = defaultIngressPolicy().metadata?.name ?? "";
let labelled: string;
let oldStyle: string;

beforeAll(async () => {
  labelled = await createTestNamespace(kube, "pod-security");
  oldStyle = `old-fixture-${crypto.randomUUID().slice(0, 8)}`;
  await kube.core.createNamespace({
    body: { metadata: { name: oldStyle, labels: { "stackd.test/owned": "true" } } },
  });
});

afterAll(async () => {
  await deleteTestNamespace(kube, labelled);
  await deleteTestNamespace(kube, oldStyle);
});

const readPolicy = (namespace: string) =>
  kube.transport.send<V1NetworkPolicy>("GET", `${networkPoliciesPath(namespace)}/${policyName}`);

const namespaceLabels = async (namespace: string) =>
  (await kube.core.readNamespace({ name: namespace })).metadata?.labels ?? {};

/** Posts a pod straight to the API server (not through stackd); the raw response keeps its Warning headers. */
async function postPod(namespace: string, pod: V1Pod) {
  const response = await kube.transport.request("POST", `/api/v1/namespaces/${namespace}/pods`, {
    body: pod,
  });
  const text = await response.text();
  return {
    status: response.status,
    warning: response.headers.get("warning") ?? "",
    error: response.ok ? undefined : KubeApiError.fromResponse(response.status, text),
  };
}

function withSpec(name: string, change: (spec: NonNullable<V1Pod["spec"]>) => void): V1Pod {
  const pod = testPod(name);
  change(pod.spec as NonNullable<V1Pod["spec"]>);
  return pod;
}

describe("the cluster fixture", () => {
  it("has two role=stack nodes with ExternalIPs and one role=backend node without", async () => {
    const nodes = (await kube.core.listNode({ labelSelector: "type=kwok" })).items;
    const byName = new Map(nodes.map((node) => [node.metadata?.name, node]));
    const external = (name: string) =>
      byName.get(name)?.status?.addresses?.find((address) => address.type === "ExternalIP")?.address;
    expect(byName.get("stack-node-1")?.metadata?.labels?.role).toBe("stack");
    expect(byName.get("stack-node-2")?.metadata?.labels?.role).toBe("stack");
    expect(byName.get("backend-node-1")?.metadata?.labels?.role).toBe("backend");
    expect(external("stack-node-1")).toBe("203.0.113.11");
    expect(external("stack-node-2")).toBe("203.0.113.12");
    expect(external("backend-node-1")).toBeUndefined();
  });

  it("limits containers in stacks with a LimitRange and the namespace with a filled ResourceQuota", async () => {
    const limits = await kube.core.readNamespacedLimitRange({ name: "stack-limits", namespace: "stacks" });
    expect(limits.spec?.limits[0]?.max).toEqual({ cpu: "500m", memory: "512Mi" });
    const quota = await kube.core.readNamespacedResourceQuota({ name: "stack-quota", namespace: "stacks" });
    expect(quota.status?.hard).toEqual({
      "limits.cpu": "6",
      "limits.memory": "6Gi",
      "requests.cpu": "6",
      "requests.memory": "6Gi",
    });
  });

  it("labels stacks for Pod Security: baseline enforced, restricted as warnings", async () => {
    expect(await namespaceLabels("stacks")).toMatchObject({
      "pod-security.kubernetes.io/enforce": "baseline",
      "pod-security.kubernetes.io/warn": "restricted",
    });
  });

  it("ships an ingress policy in stacks, so stackd starts with the ingress-policy requirement on", async () => {
    const policy = await readPolicy("stacks");
    expect(policy.spec).toEqual({
      podSelector: {
        matchExpressions: [{ key: "app.kubernetes.io/managed-by", operator: "NotIn", values: ["stackd"] }],
      },
      policyTypes: ["Ingress"],
    });
    expect(await checkIngressPolicy(kube, "stacks")).toBeUndefined();
  });

  it("adds the labels and the policy to a namespace made by an older fixture, and repairs a changed policy", async () => {
    expect(await namespaceLabels(oldStyle)).not.toHaveProperty("pod-security.kubernetes.io/enforce");
    await applyNamespaceSecurity(kube, oldStyle);
    expect(await namespaceLabels(oldStyle)).toMatchObject({
      ...podSecurityLabels,
      "stackd.test/owned": "true",
    });
    const first = await readPolicy(oldStyle);
    expect(first.spec).toEqual(defaultIngressPolicy().spec as never);

    await applyNamespaceSecurity(kube, oldStyle);
    expect((await readPolicy(oldStyle)).metadata?.resourceVersion).toBe(
      first.metadata?.resourceVersion as string,
    );

    await kube.transport.send("PUT", `${networkPoliciesPath(oldStyle)}/${policyName}`, {
      body: { ...first, spec: { podSelector: {}, policyTypes: ["Egress"] } },
    });
    await applyNamespaceSecurity(kube, oldStyle);
    expect((await readPolicy(oldStyle)).spec).toEqual(defaultIngressPolicy().spec as never);
  });
});

describe("Pod Security in a test namespace", () => {
  it("labels every test namespace like stacks and ships the same ingress policy", async () => {
    expect(await namespaceLabels(labelled)).toMatchObject(podSecurityLabels);
    expect((await readPolicy(labelled)).spec).toEqual(defaultIngressPolicy().spec as never);
  });

  it.each<[string, (spec: NonNullable<V1Pod["spec"]>) => void, string]>([
    [
      "privileged",
      (spec) => {
        spec.containers[0] = { ...spec.containers[0], name: "app", securityContext: { privileged: true } };
      },
      'privileged (container "app" must not set securityContext.privileged=true)',
    ],
    [
      "host-network",
      (spec) => {
        spec.hostNetwork = true;
      },
      "host namespaces (hostNetwork=true)",
    ],
    [
      "host-path",
      (spec) => {
        spec.volumes = [{ name: "root", hostPath: { path: "/" } }];
      },
      'hostPath volumes (volume "root")',
    ],
    [
      "sys-admin",
      (spec) => {
        spec.containers[0] = {
          ...spec.containers[0],
          name: "app",
          securityContext: { capabilities: { add: ["SYS_ADMIN"] } },
        };
      },
      'non-default capabilities (container "app" must not include "SYS_ADMIN" in securityContext.capabilities.add)',
    ],
  ])("refuses a %s pod posted directly with 403 (baseline is enforced)", async (name, change, violation) => {
    const answer = await postPod(labelled, withSpec(name, change));
    expect(answer.status).toBe(403);
    expect(answer.error?.reason).toBe("Forbidden");
    expect(answer.error?.message).toContain('violates PodSecurity "baseline:latest"');
    expect(answer.error?.message).toContain(violation);
  });

  it("admits a baseline pod and warns that it breaks the restricted profile", async () => {
    const answer = await postPod(labelled, testPod("baseline-only"));
    expect(answer.status).toBe(201);
    expect(answer.warning).toContain("would violate PodSecurity");
    expect(answer.warning).toContain("restricted:latest");
    expect(answer.warning).toContain("runAsNonRoot");
  });
});

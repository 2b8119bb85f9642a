import { describe, expect, it } from "bun:test";
import { testKubeClient } from "../../helpers/cluster.ts";

const kube = testKubeClient();

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
});

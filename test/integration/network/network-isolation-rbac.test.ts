import { describe, expect, it } from "bun:test";
import { labelsFor } from "../../../src/cluster/stack-resources.ts";
import { defaultInstance } from "../../../src/config/config.ts";
import { listNetworkPolicies } from "../../../src/kube/network-policies.ts";
import type { TypedKubeClient } from "../../../src/kube/typed-api.ts";
import { createLogger, type LogFields } from "../../../src/log/logger.ts";
import { NetworkIsolation } from "../../../src/network/network-isolation-reconciler.ts";
import { checkIngressPolicy } from "../../../src/network/network-policy.ts";
import { namespacePerCase, serviceAccountClient, testKubeClient } from "../../helpers/cluster.ts";
import { deployedObject } from "../../helpers/deploy.ts";

const admin = testKubeClient();
const newNamespace = namespacePerCase(admin, "isolation-rbac");

/**
 * A namespace with one stackd Service and a `default/kubernetes`-like EndpointSlice, and stackd as a
 * ServiceAccount holding the deployed Roles named in `grants` (there, not in stacks and default).
 */
async function scene(grants: string[]) {
  const namespace = await newNamespace();
  const stackd: TypedKubeClient = await serviceAccountClient(admin, namespace, "stackd");
  const rbac = `/apis/rbac.authorization.k8s.io/v1/namespaces/${namespace}`;
  for (const name of grants) {
    await admin.transport.send("POST", `${rbac}/roles`, {
      body: { metadata: { name }, rules: (await deployedObject("Role", name)).rules },
    });
    await admin.transport.send("POST", `${rbac}/rolebindings`, {
      body: {
        metadata: { name },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name },
        subjects: [{ kind: "ServiceAccount", name: "stackd", namespace }],
      },
    });
  }
  await admin.core.createNamespacedService({
    namespace,
    body: {
      metadata: {
        name: "svc-stack-0000000000000001",
        labels: labelsFor("stack-0000000000000001", defaultInstance),
      },
      spec: { ports: [{ port: 80 }] },
    },
  });
  await admin.transport.send("POST", `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`, {
    body: {
      metadata: { name: "kubernetes" },
      addressType: "IPv4",
      endpoints: [{ addresses: ["198.51.100.9"] }],
    },
  });
  const logs: LogFields[] = [];
  const logger = createLogger({ level: "debug", write: (line) => logs.push(JSON.parse(line)) });
  const reconciler = (enabled: boolean) =>
    new NetworkIsolation({
      kube: stackd,
      namespace,
      logger,
      enabled,
      orphanGraceMs: 0,
      apiServerService: { namespace, name: "kubernetes" },
    });
  return { namespace, stackd, logs, on: reconciler(true), off: reconciler(false) };
}

describe("network isolation with deploy/'s RBAC", () => {
  it("without the Role: the start-up check refuses, and the isolation-off cleanup logs and goes on", async () => {
    const { namespace, stackd, logs, off } = await scene([]);
    await expect(checkIngressPolicy(stackd, namespace)).rejects.toThrow("cannot list the NetworkPolicies");
    expect(await off.reconcile()).toEqual({ created: [], replaced: [], deleted: [], failed: [] });
    expect(logs.at(-1)?.msg).toStartWith("cannot list NetworkPolicies");
  });

  it("with the stacks Role alone: checks, keeps the policies, and logs that the API server's endpoints are unknown", async () => {
    const { namespace, stackd, logs, on } = await scene(["stackd"]);
    expect(await checkIngressPolicy(stackd, namespace)).toBeUndefined();
    const report = await on.reconcile();
    expect(report.created.sort()).toEqual(["ingress-stack-0000000000000001", "stackd-isolation"]);
    expect(report.failed).toEqual([]);
    const warning = logs.find((line) => line.level === "warn");
    expect(warning?.msg).toBe("network isolation: stacks are kept from the API server only as far as known");
    expect(String(warning?.gaps)).toContain(
      `the API server's endpoints (${namespace}/kubernetes) are unknown`,
    );
    expect(String(warning?.gaps)).toContain("forbidden");
    await on.removeStackIngressPolicy("stack-0000000000000001");
  });

  it("with the endpoints Role too: excludes the API server's endpoints, and the off cleanup may delete", async () => {
    const { namespace, on, off, logs } = await scene(["stackd", "stackd-apiserver-endpoints"]);
    await on.reconcile();
    expect(logs.filter((line) => line.level === "warn")).toEqual([]);
    const policy = (await listNetworkPolicies(admin.transport, namespace)).find(
      (item) => item.metadata?.name === "stackd-isolation",
    );
    expect(policy?.spec?.egress?.[1]?.to?.[0]?.ipBlock?.except).toContain("198.51.100.9/32");
    expect((await off.reconcile()).deleted.sort()).toEqual([
      "ingress-stack-0000000000000001",
      "stackd-isolation",
    ]);
  });
});

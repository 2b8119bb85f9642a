import { describe, expect, it } from "bun:test";
import type { V1NetworkPolicy } from "@kubernetes/client-node";
import { labelsFor } from "../../../src/cluster/stack-resources.ts";
import { defaultInstance } from "../../../src/config/config.ts";
import {
  applyNetworkPolicy,
  deleteNetworkPolicy,
  listNetworkPolicies,
  networkPoliciesPath,
} from "../../../src/kube/network-policies.ts";
import { silentLogger } from "../../../src/log/logger.ts";
import { namespaceIsolationPolicy, stackIngressPolicy } from "../../../src/network/network-isolation.ts";
import { NetworkIsolation } from "../../../src/network/network-isolation-reconciler.ts";
import { checkIngressPolicy } from "../../../src/network/network-policy.ts";
import { defaultIngressPolicy } from "../../../tools/cluster/fixture.ts";
import { namespacePerCase, testKubeClient } from "../../helpers/cluster.ts";

const kube = testKubeClient();
const newNamespace = namespacePerCase(kube, "isolation");
const fixturePolicy = defaultIngressPolicy().metadata?.name ?? "";
const nothingDone = { created: [], replaced: [], deleted: [], failed: [] };

/** A namespace of its own for one case, with a reconciler for it and small helpers. */
async function scene(options: { orphanGraceMs?: number; enabled?: boolean } = {}) {
  const namespace = await newNamespace();
  const isolation = new NetworkIsolation({
    kube,
    namespace,
    logger: silentLogger,
    enabled: options.enabled ?? true,
    orphanGraceMs: options.orphanGraceMs ?? 0,
    // The local API server keeps no default/kubernetes endpoints; cases bring their own.
    apiServerService: { namespace, name: "kubernetes" },
  });
  const path = (name: string) => `${networkPoliciesPath(namespace)}/${name}`;
  const read = (name: string) => kube.transport.send<V1NetworkPolicy>("GET", path(name));
  return {
    namespace,
    isolation,
    read,
    /** A Service like stackd's (its labels, one port); ClusterIP, since only labels and ports matter. */
    stackService: (stackId: string, port: number, protocol: "TCP" | "UDP" = "TCP") =>
      kube.core.createNamespacedService({
        namespace,
        body: {
          metadata: { name: `svc-${stackId}`, labels: labelsFor(stackId, defaultInstance) },
          spec: { selector: { "stackd.io/stack-id": stackId }, ports: [{ name: "stack", port, protocol }] },
        },
      }),
    names: async () =>
      (await listNetworkPolicies(kube.transport, namespace)).map((policy) => policy.metadata?.name).sort(),
    tamper: async (name: string, spec: V1NetworkPolicy["spec"]) =>
      kube.transport.send("PUT", path(name), { body: { ...(await read(name)), spec } }),
    remove: (name: string) => deleteNetworkPolicy(kube.transport, namespace, name),
    except: async () => (await read("stackd-isolation")).spec?.egress?.[1]?.to?.[0]?.ipBlock?.except,
  };
}

describe("NetworkIsolation against the API server", () => {
  it("creates one ingress policy per stackd Service, then the namespace-wide policy, as the API server stores them", async () => {
    const { namespace, isolation, read, stackService } = await scene();
    await stackService("stack-00000000000000a1", 80);
    await stackService("stack-00000000000000b2", 5353, "UDP");
    const report = await isolation.reconcile();
    // In this order, so that no running stack is without ingress when isolation is first turned on.
    expect(report.created).toEqual([
      "ingress-stack-00000000000000a1",
      "ingress-stack-00000000000000b2",
      "stackd-isolation",
    ]);
    expect(report.failed).toEqual([]);
    expect((await read("stackd-isolation")).spec).toEqual(
      namespaceIsolationPolicy(namespace, []).spec as never,
    );
    expect((await read("ingress-stack-00000000000000a1")).spec).toEqual(
      stackIngressPolicy(namespace, "stack-00000000000000a1", [{ port: 80, protocol: "TCP" }]).spec as never,
    );
    expect((await read("ingress-stack-00000000000000b2")).spec).toEqual(
      stackIngressPolicy(namespace, "stack-00000000000000b2", [{ port: 5353, protocol: "UDP" }])
        .spec as never,
    );
  });

  it("satisfies STACK_REQUIRE_INGRESS_NETWORK_POLICY by itself, without the fixture's policy", async () => {
    const { namespace, isolation, remove } = await scene();
    await remove(fixturePolicy);
    await expect(checkIngressPolicy(kube, namespace)).rejects.toThrow("has policyTypes including Ingress");
    await isolation.reconcile();
    expect(await checkIngressPolicy(kube, namespace)).toBeUndefined();
  });

  it("writes nothing on a pass that finds everything in place", async () => {
    const { isolation, read, stackService } = await scene();
    await stackService("stack-00000000000000a1", 80);
    await isolation.reconcile();
    const before = (await read("stackd-isolation")).metadata?.resourceVersion;
    expect(await isolation.reconcile()).toEqual(nothingDone);
    expect((await read("stackd-isolation")).metadata?.resourceVersion).toBe(before as string);
  });

  it("replaces policies changed behind its back", async () => {
    const { namespace, isolation, read, stackService, tamper } = await scene();
    await stackService("stack-00000000000000a1", 80);
    await isolation.reconcile();
    await tamper("stackd-isolation", { podSelector: {}, policyTypes: ["Ingress"] });
    await tamper("ingress-stack-00000000000000a1", {
      podSelector: {},
      policyTypes: ["Ingress"],
      ingress: [{ ports: [{ protocol: "TCP", port: 1 }] }],
    });
    const report = await isolation.reconcile();
    expect(report.replaced.sort()).toEqual(["ingress-stack-00000000000000a1", "stackd-isolation"]);
    expect((await read("stackd-isolation")).spec).toEqual(
      namespaceIsolationPolicy(namespace, []).spec as never,
    );
    expect((await read("ingress-stack-00000000000000a1")).spec?.ingress).toEqual([
      { ports: [{ protocol: "TCP", port: 80 }] },
    ]);
  });

  it("brings back policies deleted behind its back", async () => {
    const { isolation, stackService, remove } = await scene();
    await stackService("stack-00000000000000a1", 80);
    await isolation.reconcile();
    await remove("stackd-isolation");
    await remove("ingress-stack-00000000000000a1");
    expect((await isolation.reconcile()).created.sort()).toEqual([
      "ingress-stack-00000000000000a1",
      "stackd-isolation",
    ]);
  });

  it("deletes a stack's ingress policy once its Service is gone", async () => {
    const { namespace, isolation, stackService, names } = await scene();
    await stackService("stack-00000000000000a1", 80);
    await stackService("stack-00000000000000b2", 81);
    await isolation.reconcile();
    await kube.core.deleteNamespacedService({ name: "svc-stack-00000000000000b2", namespace });
    expect((await isolation.reconcile()).deleted).toEqual(["ingress-stack-00000000000000b2"]);
    expect(await names()).toEqual([fixturePolicy, "ingress-stack-00000000000000a1", "stackd-isolation"]);
  });

  it("keeps an ingress policy without a Service while it is younger than the orphan grace", async () => {
    const { isolation, names } = await scene({ orphanGraceMs: 3_600_000 });
    await isolation.ensureStackIngressPolicy("stack-00000000000000c3", [{ port: 8080, protocol: "TCP" }]);
    expect((await isolation.reconcile()).deleted).toEqual([]);
    expect(await names()).toContain("ingress-stack-00000000000000c3");
  });

  it("ensureStackIngressPolicy creates, leaves alone and repairs; removeStackIngressPolicy deletes, twice too", async () => {
    const { isolation, read, tamper, names } = await scene();
    const stackId = "stack-00000000000000d4";
    await isolation.ensureStackIngressPolicy(stackId, [{ port: 31337, protocol: "UDP" }]);
    const created = await read(`ingress-${stackId}`);
    expect(created.spec).toEqual(
      stackIngressPolicy("", stackId, [{ port: 31337, protocol: "UDP" }]).spec as never,
    );
    expect(created.metadata?.labels).toMatchObject(labelsFor(stackId, defaultInstance));
    await isolation.ensureStackIngressPolicy(stackId, [{ port: 31337, protocol: "UDP" }]);
    expect((await read(`ingress-${stackId}`)).metadata?.resourceVersion).toBe(
      created.metadata?.resourceVersion as string,
    );
    await tamper(`ingress-${stackId}`, { podSelector: {}, policyTypes: ["Ingress"] });
    await isolation.ensureStackIngressPolicy(stackId, [{ port: 31337, protocol: "UDP" }]);
    expect((await read(`ingress-${stackId}`)).spec).toEqual(created.spec as never);
    await isolation.removeStackIngressPolicy(stackId);
    await isolation.removeStackIngressPolicy(stackId);
    expect(await names()).not.toContain(`ingress-${stackId}`);
  });

  it("excludes the API server's endpoints: its EndpointSlice, else its Endpoints", async () => {
    const { namespace, isolation, except } = await scene();
    const slices = `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices`;
    await kube.transport.send("POST", slices, {
      body: {
        metadata: { name: "kubernetes" },
        addressType: "IPv4",
        endpoints: [{ addresses: ["198.51.100.7"] }],
      },
    });
    await isolation.reconcile();
    expect(await except()).toContain("198.51.100.7/32");

    await kube.transport.send("DELETE", `${slices}/kubernetes`);
    await kube.core.createNamespacedEndpoints({
      namespace,
      body: {
        metadata: { name: "kubernetes" },
        subsets: [{ addresses: [{ ip: "203.0.113.50" }], ports: [{ port: 6443 }] }],
      },
    });
    expect((await isolation.reconcile()).replaced).toEqual(["stackd-isolation"]);
    expect(await except()).toContain("203.0.113.50/32");
    expect(await except()).not.toContain("198.51.100.7/32");
  });

  it("when off, removes once what isolation left, leaves other policies alone, and ignores per-stack calls", async () => {
    const { namespace, isolation, stackService, names } = await scene();
    await stackService("stack-00000000000000a1", 80);
    await isolation.reconcile();
    await applyNetworkPolicy(kube.transport, namespace, {
      metadata: { name: "operators-own" },
      spec: { podSelector: {}, policyTypes: ["Ingress"] },
    });
    const off = new NetworkIsolation({
      kube,
      namespace,
      logger: silentLogger,
      enabled: false,
      orphanGraceMs: 0,
    });
    expect((await off.reconcile()).deleted.sort()).toEqual([
      "ingress-stack-00000000000000a1",
      "stackd-isolation",
    ]);
    await off.ensureStackIngressPolicy("stack-00000000000000e5", [{ port: 80, protocol: "TCP" }]);
    expect(await names()).toEqual([fixturePolicy, "operators-own"]);
    await isolation.reconcile();
    expect(await off.reconcile()).toEqual(nothingDone);
    expect((await names()).length).toBe(4);
  });
});

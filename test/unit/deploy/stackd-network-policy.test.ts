import { describe, expect, it } from "bun:test";
import { deployedObject, envValueOf } from "../../helpers/deploy.ts";
import { admitsIngress, type PolicyPod, selects } from "../../helpers/network-policy-admits.ts";

// deploy/stackd-network-policy.yaml as a CNI that enforces NetworkPolicy reads it (the local cluster has
// none; test/integration/deploy/kustomization.test.ts checks the policy as the API server stores it).
const policy = () => deployedObject("NetworkPolicy", "stackd");
const deployment = () => deployedObject("Deployment", "stackd");

async function stackdPort(): Promise<{ number: number; name: string }> {
  const [port] = (await deployment()).spec.template.spec.containers[0].ports;
  return { number: port.containerPort, name: port.name };
}

/** A namespace as the API server stores it: its labels plus kubernetes.io/metadata.name. */
const namespaceOf = (name: string, labels: Record<string, string> = {}) => ({
  name,
  labels: { ...labels, "kubernetes.io/metadata.name": name },
});

async function admits(source: PolicyPod): Promise<boolean> {
  return admitsIngress(await policy(), source, await stackdPort());
}

describe("deploy/'s NetworkPolicy for stackd's own pods", () => {
  it("selects the Deployment's pods in stackd's namespace and restricts their ingress", async () => {
    const { metadata, spec } = await policy();
    const template = (await deployment()).spec.template;
    expect(metadata.namespace).toBe((await deployment()).metadata.namespace);
    expect(selects(spec.podSelector, template.metadata.labels)).toBe(true);
    expect(spec.policyTypes).toEqual(["Ingress"]);
  });

  it("admits the platform's namespace, once labelled stackd.io/platform=true, to the HTTP port", async () => {
    const platform = namespaceOf("ctfd", { "stackd.io/platform": "true" });
    expect(await admits({ namespace: platform, labels: { app: "ctfd" } })).toBe(true);
    expect(await admits({ namespace: namespaceOf("ctfd"), labels: { app: "ctfd" } })).toBe(false);
  });

  it("admits the other replicas, which forward writes to the leader's pod IP", async () => {
    const { metadata, spec } = await deployment();
    const own = await deployedObject("Namespace", metadata.namespace ?? "");
    const replica = {
      namespace: namespaceOf(own.metadata.name, own.metadata.labels),
      labels: spec.template.metadata.labels,
    };
    expect(await admits(replica)).toBe(true);
    const advertised = envValueOf(await deployment(), "STACKD_ADVERTISE_URL") ?? "";
    expect(advertised).toEndWith(`:${(await stackdPort()).number}`);
  });

  it("admits the monitoring namespace, once labelled stackd.io/metrics=true, to the port that serves /metrics", async () => {
    const monitoring = namespaceOf("monitoring", { "stackd.io/metrics": "true" });
    expect(await admits({ namespace: monitoring, labels: { app: "prometheus" } })).toBe(true);
    expect(await admits({ namespace: namespaceOf("monitoring"), labels: { app: "prometheus" } })).toBe(false);
  });

  it("does not admit a player's pod in the stacks namespace, nor any other pod of stackd's namespace", async () => {
    const stacksName = envValueOf(await deployment(), "STACK_NAMESPACE") ?? "";
    const stacks = await deployedObject("Namespace", stacksName);
    const player = {
      namespace: namespaceOf(stacksName, stacks.metadata.labels),
      labels: { "app.kubernetes.io/managed-by": "stackd", "app.kubernetes.io/name": "stackd" },
    };
    expect(await admits(player)).toBe(false);
    const own = (await deployment()).metadata.namespace ?? "";
    expect(await admits({ namespace: namespaceOf(own), labels: { app: "debug" } })).toBe(false);
  });
});

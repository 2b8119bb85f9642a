import { describe, expect, it } from "bun:test";
import { KubeApiError } from "../../../src/kube/errors.ts";
import { applyNetworkPolicy } from "../../../src/kube/network-policies.ts";
import { checkIngressPolicy, IngressPolicyRequiredError } from "../../../src/network/network-policy.ts";
import { namespacePerCase, serviceAccountClient, testKubeClient } from "../../helpers/cluster.ts";

const kube = testKubeClient();
const newNamespace = namespacePerCase(kube, "ingress-check");

/** A test namespace holding only the policies named by `policyTypes` (the fixture's policy removed). */
async function namespaceWith(...policyTypes: string[][]): Promise<string> {
  const namespace = await newNamespace({ bare: true });
  for (const [index, types] of policyTypes.entries()) {
    await applyNetworkPolicy(kube.transport, namespace, {
      metadata: { name: `policy-${index}` },
      spec: { podSelector: {}, policyTypes: types },
    });
  }
  return namespace;
}

async function refusal(namespace: string, client = kube): Promise<IngressPolicyRequiredError> {
  const error = await checkIngressPolicy(client, namespace).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  if (!(error instanceof IngressPolicyRequiredError)) throw new Error(`expected a refusal, got ${error}`);
  return error;
}

describe("checkIngressPolicy (STACK_REQUIRE_INGRESS_NETWORK_POLICY)", () => {
  it("refuses start-up in a namespace without NetworkPolicies, naming the namespace and the variable", async () => {
    const namespace = await namespaceWith();
    const error = await refusal(namespace);
    expect(error.code).toBe("INGRESS_POLICY_MISSING");
    expect(error.namespace).toBe(namespace);
    expect(error.message).toStartWith(
      `no NetworkPolicy in namespace "${namespace}" has policyTypes including Ingress; ` +
        "STACK_REQUIRE_INGRESS_NETWORK_POLICY is true, so stackd will not start.",
    );
    expect(error.message).toContain("STACK_REQUIRE_INGRESS_NETWORK_POLICY=false");
  });

  it("still refuses when the only policy is Egress-only", async () => {
    expect((await refusal(await namespaceWith(["Egress"]))).code).toBe("INGRESS_POLICY_MISSING");
  });

  it.each([[["Ingress"]], [["Egress", "Ingress"]]])(
    "passes once a policy with policyTypes %p exists",
    async (types) => {
      expect(await checkIngressPolicy(kube, await namespaceWith(["Egress"], types))).toBeUndefined();
    },
  );

  it("passes in a namespace made by createTestNamespace (the fixture's policy), as stackd's tests need", async () => {
    expect(await checkIngressPolicy(kube, await newNamespace())).toBeUndefined();
  });

  it("refuses start-up, keeping the API server's answer, when stackd may not list NetworkPolicies", async () => {
    const namespace = await namespaceWith(["Ingress"]);
    const error = await refusal(namespace, await serviceAccountClient(kube, namespace, "no-rights"));
    expect(error.code).toBe("INGRESS_POLICY_UNREADABLE");
    expect(error.message).toContain(`cannot list the NetworkPolicies of namespace "${namespace}"`);
    expect(error.message).toContain("STACK_REQUIRE_INGRESS_NETWORK_POLICY");
    expect(error.cause).toBeInstanceOf(KubeApiError);
    expect((error.cause as KubeApiError).status).toBe(403);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { V1NetworkPolicy } from "@kubernetes/client-node";
import { KubeApiError } from "../../../src/kube/errors.ts";
import {
  applyNetworkPolicy,
  checkIngressPolicy,
  IngressPolicyRequiredError,
} from "../../../src/stacks/network-policy.ts";
import { deleteTestNamespace, serviceAccountClient, testKubeClient } from "../../helpers/cluster.ts";

const kube = testKubeClient();
/** Made without createTestNamespace, which would ship an ingress policy. */
const namespace = `ingress-check-${crypto.randomUUID().slice(0, 8)}`;

beforeAll(async () => {
  await kube.core.createNamespace({
    body: { metadata: { name: namespace, labels: { "stackd.test/owned": "true" } } },
  });
});

afterAll(() => deleteTestNamespace(kube, namespace));

function policy(name: string, policyTypes: string[]): V1NetworkPolicy {
  return { metadata: { name }, spec: { podSelector: {}, policyTypes } };
}

async function refusal(client = kube): Promise<IngressPolicyRequiredError> {
  const error = await checkIngressPolicy(client, namespace).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  if (!(error instanceof IngressPolicyRequiredError)) throw new Error(`expected a refusal, got ${error}`);
  return error;
}

describe("checkIngressPolicy (STACK_REQUIRE_INGRESS_NETWORK_POLICY)", () => {
  it("refuses start-up in a namespace without NetworkPolicies, naming the namespace and the variable", async () => {
    const error = await refusal();
    expect(error.code).toBe("INGRESS_POLICY_MISSING");
    expect(error.namespace).toBe(namespace);
    expect(error.message).toStartWith(
      `no NetworkPolicy in namespace "${namespace}" has policyTypes including Ingress; ` +
        "STACK_REQUIRE_INGRESS_NETWORK_POLICY is true, so stackd will not start.",
    );
    expect(error.message).toContain("STACK_REQUIRE_INGRESS_NETWORK_POLICY=false");
  });

  it("still refuses when the only policy is Egress-only", async () => {
    await applyNetworkPolicy(kube.transport, namespace, policy("egress-only", ["Egress"]));
    expect((await refusal()).code).toBe("INGRESS_POLICY_MISSING");
  });

  it("passes once a policy with an Ingress policyType exists", async () => {
    await applyNetworkPolicy(kube.transport, namespace, policy("both", ["Ingress", "Egress"]));
    expect(await checkIngressPolicy(kube, namespace)).toBeUndefined();
  });

  it("refuses start-up, keeping the API server's answer, when stackd may not list NetworkPolicies", async () => {
    const unprivileged = await serviceAccountClient(kube, namespace, "no-rights");
    const error = await refusal(unprivileged);
    expect(error.code).toBe("INGRESS_POLICY_UNREADABLE");
    expect(error.message).toContain(`cannot list the NetworkPolicies of namespace "${namespace}"`);
    expect(error.message).toContain("STACK_REQUIRE_INGRESS_NETWORK_POLICY");
    expect(error.cause).toBeInstanceOf(KubeApiError);
    expect((error.cause as KubeApiError).status).toBe(403);
  });
});

import type { V1NetworkPolicy } from "@kubernetes/client-node";
import type { KubeClient } from "../kube/client.ts";
import { type KubeApiError, toKubeApiError } from "../kube/errors.ts";
import { listNetworkPolicies } from "../kube/network-policies.ts";

/** True when the policy isolates ingress: policyTypes includes Ingress (absent policyTypes means Ingress). */
export function hasIngressPolicyType(policy: V1NetworkPolicy): boolean {
  const types = policy.spec?.policyTypes;
  return types === undefined || types.length === 0 || types.includes("Ingress");
}

export const requireIngressVariable = "STACK_REQUIRE_INGRESS_NETWORK_POLICY";

/** Start-up refused by STACK_REQUIRE_INGRESS_NETWORK_POLICY; the message names the namespace and the variable. */
export class IngressPolicyRequiredError extends Error {
  override readonly name = "IngressPolicyRequiredError";
  readonly code: "INGRESS_POLICY_MISSING" | "INGRESS_POLICY_UNREADABLE";
  readonly namespace: string;
  readonly variable = requireIngressVariable;

  constructor(code: IngressPolicyRequiredError["code"], namespace: string, cause?: KubeApiError) {
    const problem =
      code === "INGRESS_POLICY_MISSING"
        ? `no NetworkPolicy in namespace "${namespace}" has policyTypes including Ingress`
        : `cannot list the NetworkPolicies of namespace "${namespace}" (${cause?.message})`;
    super(
      `${problem}; ${requireIngressVariable} is true, so stackd will not start. Create such a policy ` +
        `(or set STACK_NETWORK_ISOLATION=on), or set ${requireIngressVariable}=false`,
      cause === undefined ? undefined : { cause },
    );
    this.code = code;
    this.namespace = namespace;
  }
}

/**
 * Refuses start-up (throws IngressPolicyRequiredError) unless some NetworkPolicy in `namespace` has
 * policyTypes including Ingress. Network failures are rethrown as they are.
 */
export async function checkIngressPolicy(
  kube: Pick<KubeClient, "transport">,
  namespace: string,
): Promise<void> {
  let policies: V1NetworkPolicy[];
  try {
    policies = await listNetworkPolicies(kube.transport, namespace);
  } catch (error) {
    const failure = toKubeApiError(error);
    if (failure.status === 0) throw failure;
    throw new IngressPolicyRequiredError("INGRESS_POLICY_UNREADABLE", namespace, failure);
  }
  if (!policies.some(hasIngressPolicyType)) {
    throw new IngressPolicyRequiredError("INGRESS_POLICY_MISSING", namespace);
  }
}

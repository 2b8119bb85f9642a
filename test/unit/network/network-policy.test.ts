import { describe, expect, it } from "bun:test";
import type { V1NetworkPolicy } from "@kubernetes/client-node";
import { hasIngressPolicyType } from "../../../src/network/network-policy.ts";

const withTypes = (policyTypes: string[] | undefined): V1NetworkPolicy => ({
  spec: { podSelector: {}, ...(policyTypes ? { policyTypes } : {}) },
});

describe("hasIngressPolicyType", () => {
  it.each<[string[] | undefined, boolean]>([
    [["Ingress"], true],
    [["Egress", "Ingress"], true],
    [["Egress"], false],
    [[], true],
    [undefined, true],
  ])("policyTypes %p → %p (absent means Ingress, as the API server defaults it)", (types, expected) => {
    expect(hasIngressPolicyType(withTypes(types))).toBe(expected);
  });
});

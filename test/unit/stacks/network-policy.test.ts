import { describe, expect, it } from "bun:test";
import type { V1NetworkPolicy } from "@kubernetes/client-node";
import { hasIngressPolicyType, matchesDesired } from "../../../src/stacks/network-policy.ts";

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

describe("matchesDesired", () => {
  const desired: V1NetworkPolicy = {
    metadata: { name: "p", labels: { "app.kubernetes.io/managed-by": "stackd" } },
    spec: {
      podSelector: { matchLabels: { a: "b" } },
      policyTypes: ["Ingress"],
      ingress: [{ ports: [{ port: 80, protocol: "TCP" }] }],
      egress: [],
    },
  };
  /** The same policy as the API server returns it: other key order, empty lists dropped, extra metadata. */
  const stored: V1NetworkPolicy = {
    metadata: {
      name: "p",
      resourceVersion: "7",
      labels: { "app.kubernetes.io/managed-by": "stackd", extra: "x" },
    },
    spec: {
      policyTypes: ["Ingress"],
      ingress: [{ ports: [{ protocol: "TCP", port: 80 }] }],
      podSelector: { matchLabels: { a: "b" } },
    },
  };

  it("treats the stored form of the desired policy as the same (no churn)", () => {
    expect(matchesDesired(desired, stored)).toBe(true);
  });

  it.each<[string, V1NetworkPolicy]>([
    [
      "another port",
      { ...stored, spec: { ...stored.spec, ingress: [{ ports: [{ protocol: "TCP", port: 81 }] }] } },
    ],
    ["another selector", { ...stored, spec: { ...stored.spec, podSelector: {} } }],
    ["a missing label", { ...stored, metadata: { name: "p" } }],
    ["an added egress rule", { ...stored, spec: { ...stored.spec, egress: [{}] } }],
  ])("sees %s as a difference", (_, current) => {
    expect(matchesDesired(desired, current)).toBe(false);
  });
});

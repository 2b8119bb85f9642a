import { describe, expect, it } from "bun:test";
import type { V1NetworkPolicy } from "@kubernetes/client-node";
import { matchesDesired } from "../../../src/kube/network-policies.ts";

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

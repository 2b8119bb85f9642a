import { describe, expect, it } from "bun:test";
import type { V1NetworkPolicy } from "@kubernetes/client-node";
import {
  type ExposedPort,
  egressExceptions,
  namespaceIsolationPolicy,
  stackIngressPolicy,
} from "../../../src/network/network-isolation.ts";

const privateV4 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16"];
const privateV6 = ["fd00::/8", "fe80::/10"];

describe("egressExceptions", () => {
  it.each<[string, string[], { ipv4: string[]; ipv6: string[] }]>([
    ["no API server address", [], { ipv4: privateV4, ipv6: privateV6 }],
    [
      "a public IPv4 address as /32",
      ["198.51.100.7"],
      { ipv4: [...privateV4, "198.51.100.7/32"], ipv6: privateV6 },
    ],
    [
      "a public IPv6 address as /128",
      ["2001:db8::1"],
      { ipv4: privateV4, ipv6: [...privateV6, "2001:db8::1/128"] },
    ],
    [
      "nothing for addresses the private ranges cover",
      ["10.0.0.1", "172.20.0.5", "169.254.169.254", "fd12::1"],
      {
        ipv4: privateV4,
        ipv6: privateV6,
      },
    ],
    [
      "nothing for loopback (from a pod it is the pod itself)",
      ["127.0.0.1", "::1"],
      { ipv4: privateV4, ipv6: privateV6 },
    ],
    [
      "each address once, sorted",
      ["203.0.113.9", "198.51.100.7", "203.0.113.9"],
      {
        ipv4: [...privateV4, "198.51.100.7/32", "203.0.113.9/32"],
        ipv6: privateV6,
      },
    ],
  ])("gives the private ranges plus %s", (_, addresses, expected) => {
    expect(egressExceptions(addresses)).toEqual(expected);
  });
});

describe("namespaceIsolationPolicy", () => {
  const policy = (exceptV4: string[], exceptV6: string[]): V1NetworkPolicy => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: {
      name: "stackd-isolation",
      namespace: "stacks",
      labels: {
        "app.kubernetes.io/managed-by": "stackd",
        "app.kubernetes.io/component": "network-isolation",
      },
    },
    spec: {
      podSelector: { matchLabels: { "app.kubernetes.io/managed-by": "stackd" } },
      policyTypes: ["Ingress", "Egress"],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
              podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
            },
          ],
          ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
          ],
        },
        {
          to: [
            { ipBlock: { cidr: "0.0.0.0/0", except: exceptV4 } },
            { ipBlock: { cidr: "::/0", except: exceptV6 } },
          ],
        },
      ],
    },
  });

  it.each<[string, string[], V1NetworkPolicy]>([
    ["no known API server address", [], policy(privateV4, privateV6)],
    [
      "an in-cluster API server (private, covered already)",
      ["10.96.0.1", "10.0.0.10"],
      policy(privateV4, privateV6),
    ],
    [
      "public API server endpoints of both families",
      ["34.1.2.3", "2600:1900::5"],
      policy([...privateV4, "34.1.2.3/32"], [...privateV6, "2600:1900::5/128"]),
    ],
  ])("isolates every stack pod with %s", (_, addresses, expected) => {
    expect(namespaceIsolationPolicy("stacks", addresses)).toEqual(expected);
  });
});

describe("stackIngressPolicy", () => {
  const policy = (ports: Array<{ protocol: string; port: number }>): V1NetworkPolicy => ({
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: {
      name: "ingress-stack-0123456789abcdef",
      namespace: "stacks",
      labels: {
        "app.kubernetes.io/managed-by": "stackd",
        "app.kubernetes.io/name": "stackd-stack",
        "stackd.io/instance": "stackd",
        "app.kubernetes.io/instance": "stack-0123456789abcdef",
        "stackd.io/stack-id": "stack-0123456789abcdef",
        "app.kubernetes.io/component": "network-isolation",
      },
    },
    spec: {
      podSelector: {
        matchLabels: {
          "app.kubernetes.io/managed-by": "stackd",
          "stackd.io/stack-id": "stack-0123456789abcdef",
        },
      },
      policyTypes: ["Ingress"],
      ingress: [{ ports }],
    },
  });

  it.each<[string, ExposedPort[], V1NetworkPolicy]>([
    ["a TCP port", [{ port: 80, protocol: "TCP" }], policy([{ protocol: "TCP", port: 80 }])],
    ["a UDP port", [{ port: 5353, protocol: "UDP" }], policy([{ protocol: "UDP", port: 5353 }])],
    [
      "several ports",
      [
        { port: 22, protocol: "TCP" },
        { port: 8443, protocol: "UDP" },
      ],
      policy([
        { protocol: "TCP", port: 22 },
        { protocol: "UDP", port: 8443 },
      ]),
    ],
  ])("lets anyone reach only the stack's own pod on %s", (_, ports, expected) => {
    expect(stackIngressPolicy("stacks", "stack-0123456789abcdef", ports)).toEqual(expected);
  });

  it("lets only the edge's pods reach a stack reached through the edge, never other stacks or players", () => {
    const edge = { namespace: "stackd-edge", podLabels: { "app.kubernetes.io/name": "stackd-edge" } };
    const made = stackIngressPolicy(
      "stacks",
      "stack-0123456789abcdef",
      [{ port: 1337, protocol: "TCP" }],
      "stackd",
      edge,
    );
    expect(made.spec?.ingress as unknown).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "stackd-edge" } },
            podSelector: { matchLabels: { "app.kubernetes.io/name": "stackd-edge" } },
          },
        ],
        ports: [{ protocol: "TCP", port: 1337 }],
      },
    ]);
  });
});

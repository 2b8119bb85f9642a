import { describe, expect, it } from "bun:test";
import { labelsFor } from "../../../src/cluster/stack-resources.ts";
import {
  type GatewayRef,
  type GatewayStack,
  gatewayRouteName,
  gatewayRoutesOf,
} from "../../../src/exposure/gateway/gateway-routes.ts";

const gateway: GatewayRef = { namespace: "edge-ns", name: "edge", tlsSection: "tls", httpsSection: "https" };

const stack = (routes: GatewayStack["routes"]): GatewayStack => ({
  stackId: "stack-5f0c2a9d41b7e8c3",
  namespace: "stacks",
  serviceName: "svc-stack-5f0c2a9d41b7e8c3",
  serviceUid: "0b6a6f4e-1111-2222-3333-444455556666",
  instance: "ctf-a",
  routes,
});

describe("gatewayRoutesOf", () => {
  it("makes a TLSRoute for a tls port, to the Service port of the same number, on the TLS section", () => {
    const [route] = gatewayRoutesOf(
      stack([{ hostname: "pwn-1a2b.inst.example.org", containerPort: 1337, kind: "tls" }]),
      gateway,
    );
    expect(route).toEqual({
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "TLSRoute",
      metadata: {
        name: "svc-stack-5f0c2a9d41b7e8c3-1337",
        namespace: "stacks",
        labels: labelsFor("stack-5f0c2a9d41b7e8c3", "ctf-a"),
        ownerReferences: [
          {
            apiVersion: "v1",
            kind: "Service",
            name: "svc-stack-5f0c2a9d41b7e8c3",
            uid: "0b6a6f4e-1111-2222-3333-444455556666",
            controller: true,
            blockOwnerDeletion: false,
          },
        ],
      },
      spec: {
        parentRefs: [
          {
            group: "gateway.networking.k8s.io",
            kind: "Gateway",
            namespace: "edge-ns",
            name: "edge",
            sectionName: "tls",
          },
        ],
        hostnames: ["pwn-1a2b.inst.example.org"],
        rules: [
          { backendRefs: [{ group: "", kind: "Service", name: "svc-stack-5f0c2a9d41b7e8c3", port: 1337 }] },
        ],
      },
    });
  });

  it("makes an HTTPRoute on the HTTPS section for an https port, one route per port in order", () => {
    const routes = gatewayRoutesOf(
      stack([
        { hostname: "web-1.inst.example.org", containerPort: 80, kind: "https" },
        { hostname: "nc-1.inst.example.org", containerPort: 31337, kind: "tls" },
      ]),
      gateway,
    );
    expect(
      routes.map((route) => [route.kind, route.metadata.name, route.spec.parentRefs[0]?.sectionName]),
    ).toEqual([
      ["HTTPRoute", "svc-stack-5f0c2a9d41b7e8c3-80", "https"],
      ["TLSRoute", "svc-stack-5f0c2a9d41b7e8c3-31337", "tls"],
    ]);
  });

  it("names routes within 32 characters for stackd's ids, the longest port included", () => {
    expect(gatewayRouteName("svc-stack-5f0c2a9d41b7e8c3", 65535)).toHaveLength(32);
  });

  it.each([
    ["a port listed twice", [80, 80], "container port 80 is listed twice"],
    ["a port out of range", [70000], "container port 70000 is not between 1 and 65535"],
  ])("refuses %s, naming it", (_case, ports, message) => {
    const routes = ports.map((containerPort) => ({
      hostname: `p${containerPort}.inst.example.org`,
      containerPort,
      kind: "tls" as const,
    }));
    expect(() => gatewayRoutesOf(stack(routes), gateway)).toThrow(message);
  });

  it.each([["Upper.inst.example.org"], ["*.inst.example.org"], ["under_score.example.org"], [""]])(
    "refuses the hostname %p, which is not a precise lowercase hostname",
    (hostname) => {
      expect(() => gatewayRoutesOf(stack([{ hostname, containerPort: 80, kind: "https" }]), gateway)).toThrow(
        `hostname "${hostname}" of port 80`,
      );
    },
  );
});

import { describe, expect, it } from "bun:test";
import {
  type GatewayRef,
  type GatewayRoute,
  gatewayRoutesOf,
  type RouteParentStatus,
} from "../../../src/exposure/gateway/gateway-routes.ts";
import { routeAccepted } from "../../../src/exposure/gateway/route-status.ts";

const gateway: GatewayRef = { namespace: "edge-ns", name: "edge", tlsSection: "tls", httpsSection: "https" };

function routeWith(parents: RouteParentStatus[] | undefined, generation?: number): GatewayRoute {
  const [route] = gatewayRoutesOf(
    {
      stackId: "stack-1",
      namespace: "stacks",
      serviceName: "svc-stack-1",
      serviceUid: "uid-1",
      instance: "stackd",
      routes: [{ hostname: "a.inst.example.org", containerPort: 1337, kind: "tls" }],
    },
    gateway,
  );
  if (!route) throw new Error("no route");
  return {
    ...route,
    metadata: { ...route.metadata, ...(generation === undefined ? {} : { generation }) },
    ...(parents === undefined ? {} : { status: { parents } }),
  };
}

const ours = {
  group: "gateway.networking.k8s.io",
  kind: "Gateway",
  namespace: "edge-ns",
  name: "edge",
} as const;

const entry = (
  status: "True" | "False" | "Unknown",
  parentRef: RouteParentStatus["parentRef"] = { ...ours, sectionName: "tls" },
  observedGeneration?: number,
): RouteParentStatus => ({
  parentRef,
  controllerName: "example.com/gateway",
  conditions: [
    { type: "ResolvedRefs", status: "True" },
    {
      type: "Accepted",
      status,
      reason: status === "False" ? "NotAllowedByListeners" : "Accepted",
      ...(observedGeneration === undefined ? {} : { observedGeneration }),
    },
  ],
});

describe("routeAccepted", () => {
  it("is unknown when no controller wrote a status (a cluster without a Gateway controller)", () => {
    expect(routeAccepted(routeWith(undefined), gateway)).toBe("unknown");
    expect(routeAccepted(routeWith([]), gateway)).toBe("unknown");
  });

  it("is accepted when the controller says Accepted=True for our Gateway and section", () => {
    expect(routeAccepted(routeWith([entry("True")]), gateway)).toBe("accepted");
  });

  it("is refused when the controller says Accepted=False for our Gateway", () => {
    expect(routeAccepted(routeWith([entry("False")]), gateway)).toBe("refused");
  });

  it("is unknown while the condition is Unknown", () => {
    expect(routeAccepted(routeWith([entry("Unknown")]), gateway)).toBe("unknown");
  });

  it("reads a parentRef without group, kind, namespace or section with the API's defaults", () => {
    const route = routeWith([entry("True", { name: "edge" })]);
    // Without a namespace the parentRef means the route's own namespace, which is not the Gateway's.
    expect(routeAccepted(route, gateway)).toBe("unknown");
    expect(routeAccepted({ ...route, metadata: { ...route.metadata, namespace: "edge-ns" } }, gateway)).toBe(
      "accepted",
    );
  });

  it.each([
    ["another Gateway", { ...ours, name: "other", sectionName: "tls" }],
    ["another namespace", { ...ours, namespace: "elsewhere", sectionName: "tls" }],
    ["another section", { ...ours, sectionName: "https" }],
  ])("ignores what is said about %s", (_case, parentRef) => {
    expect(routeAccepted(routeWith([entry("False", parentRef)]), gateway)).toBe("unknown");
  });

  it("ignores a condition written for an older generation of the route", () => {
    expect(routeAccepted(routeWith([entry("True", undefined, 1)], 2), gateway)).toBe("unknown");
    expect(routeAccepted(routeWith([entry("True", undefined, 2)], 2), gateway)).toBe("accepted");
  });

  it("is refused when one controller refuses even if another accepts", () => {
    expect(routeAccepted(routeWith([entry("True"), entry("False")]), gateway)).toBe("refused");
  });
});

import { describe, expect, it } from "bun:test";
import { type GatewayRoute, gatewayRoutesOf } from "../../../src/exposure/gateway/gateway-routes.ts";
import { routeMatches } from "../../../src/exposure/gateway/route-client.ts";

const [desired] = gatewayRoutesOf(
  {
    stackId: "stack-1",
    namespace: "stacks",
    serviceName: "svc-stack-1",
    serviceUid: "uid-1",
    instance: "stackd",
    routes: [{ hostname: "a.inst.example.org", containerPort: 80, kind: "https" }],
  },
  { namespace: "edge-ns", name: "edge", tlsSection: "tls", httpsSection: "https" },
) as [GatewayRoute];

/** The route as the API server returns it: defaults filled in, server metadata added. */
function asStored(change: (route: GatewayRoute) => void = () => {}): GatewayRoute {
  const route = structuredClone(desired);
  route.metadata = { ...route.metadata, uid: "route-uid", resourceVersion: "7", generation: 1 };
  const rule = route.spec.rules[0] as Record<string, unknown> & GatewayRoute["spec"]["rules"][number];
  rule.matches = [{ path: { type: "PathPrefix", value: "/" } }];
  (rule.backendRefs[0] as Record<string, unknown>).weight = 1;
  change(route);
  return route;
}

describe("routeMatches", () => {
  it("takes a stored route with the API server's defaults as the one wanted", () => {
    expect(routeMatches(desired, asStored())).toBe(true);
  });

  it("takes a route owned by an earlier Service of the same name (another uid) as stale", () => {
    expect(
      routeMatches(
        desired,
        asStored((route) => {
          const [owner] = route.metadata.ownerReferences ?? [];
          if (owner) owner.uid = "uid-0";
        }),
      ),
    ).toBe(false);
  });

  it("takes a route with another hostname or backend port as stale", () => {
    expect(
      routeMatches(
        desired,
        asStored((route) => (route.spec.hostnames = ["b.inst.example.org"])),
      ),
    ).toBe(false);
    expect(
      routeMatches(
        desired,
        asStored((route) => {
          const [backend] = route.spec.rules[0]?.backendRefs ?? [];
          if (backend) backend.port = 81;
        }),
      ),
    ).toBe(false);
  });

  it("allows labels added by others but not a changed label of stackd's", () => {
    expect(
      routeMatches(
        desired,
        asStored((route) => (route.metadata.labels = { ...route.metadata.labels, x: "y" })),
      ),
    ).toBe(true);
    expect(
      routeMatches(
        desired,
        asStored(
          (route) => (route.metadata.labels = { ...route.metadata.labels, "stackd.io/instance": "other" }),
        ),
      ),
    ).toBe(false);
  });
});

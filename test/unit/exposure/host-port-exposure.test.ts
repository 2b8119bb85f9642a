import { describe, expect, it } from "bun:test";
import type { V1Pod } from "@kubernetes/client-node";
import { exposureConfig } from "../../../src/exposure/exposure-config.ts";
import { hostPortExposure } from "../../../src/exposure/host-port-exposure.ts";
import { stackIdentityFixture, storedStackFixture } from "../../helpers/stack-fixtures.ts";

const config = exposureConfig({
  STACK_EXPOSURE: "hostport",
  STACK_HOSTPORT_MIN: "7000",
  STACK_HOSTPORT_MAX: "7001",
});

const pod = (): V1Pod => ({
  metadata: { name: "stack-a" },
  spec: {
    nodeSelector: { role: "stack" },
    containers: [{ name: "app", image: "nginx", ports: [{ containerPort: 80, protocol: "TCP" }] }],
  },
});

describe("hostPortExposure", () => {
  it("pins a hostport stack's pod to its node with its host ports", () => {
    const identity = stackIdentityFixture("stack-a", {
      exposure: { mode: "hostport", node: "node-a", host_ports: [7001] },
    });
    const placed = hostPortExposure(config).placePod(pod(), identity);
    expect(placed.spec?.nodeSelector).toEqual({ role: "stack", "kubernetes.io/hostname": "node-a" });
    expect(placed.spec?.containers[0]?.ports).toEqual([
      { containerPort: 80, protocol: "TCP", hostPort: 7001 },
    ]);
  });

  it("leaves the pod of a NodePort stack as it is", () => {
    const original = pod();
    expect(hostPortExposure(config).placePod(original, stackIdentityFixture("stack-a"))).toBe(original);
  });

  it("leases back the (node, port) a restored stack holds, so no new stack is given it", () => {
    const exposure = hostPortExposure(config);
    exposure.adoptStacks([
      storedStackFixture("held", { exposure: { mode: "hostport", node: "node-a", host_ports: [7000] } }),
      storedStackFixture("nodeport"),
    ]);
    expect(exposure.allocator.placementOf("held")).toEqual({ node: "node-a", hostPorts: [7000] });
    expect(exposure.allocator.lease("new", [{ protocol: "TCP" }], ["node-a"])).toEqual({
      node: "node-a",
      hostPorts: [7001],
    });
    expect(exposure.allocator.lease("newer", [{ protocol: "TCP" }], ["node-a"])).toBeNull();
  });
});

import { describe, expect, it } from "bun:test";
import type { V1Pod } from "@kubernetes/client-node";
import { HostPortAllocator } from "../../../src/ports/host-port-allocator.ts";

const tcp = { protocol: "TCP" } as const;
const udp = { protocol: "UDP" } as const;
const twoNodes = ["node-a", "node-b"];

/** A pod of the cluster holding `hostPort` on `node` (by nodeName, or pinned by its hostname selector). */
function podWith(
  node: string,
  ports: Array<{ hostPort: number; protocol?: string; containerPort?: number }>,
  how: "nodeName" | "selector" = "nodeName",
): V1Pod {
  return {
    metadata: { name: `pod-${node}` },
    spec: {
      ...(how === "nodeName" ? { nodeName: node } : { nodeSelector: { "kubernetes.io/hostname": node } }),
      containers: [
        {
          name: "app",
          ports: ports.map((port) => ({ containerPort: port.containerPort ?? port.hostPort, ...port })),
        },
      ],
    },
  };
}

describe("HostPortAllocator", () => {
  it("takes exactly 20 single-port stacks on 2 nodes x 10 ports, and the 21st gets null", () => {
    const allocator = new HostPortAllocator({ min: 7000, max: 7009 });
    const granted = Array.from({ length: 20 }, (_, index) => allocator.lease(`s${index}`, [tcp], twoNodes));
    expect(granted.every((placement) => placement !== null)).toBe(true);
    const keys = granted.map((placement) => `${placement?.node}:${placement?.hostPorts[0]}`);
    expect(new Set(keys).size).toBe(20);
    expect(allocator.lease("s20", [tcp], twoNodes)).toBeNull();
    expect(allocator.capacity()).toEqual({
      nodes: 2,
      portsPerNode: 10,
      total: 20,
      free: { TCP: 0, UDP: 20 },
      leased: { TCP: 20, UDP: 0 },
    });
  });

  it("spreads stacks to the node with the most free ports, ties by name", () => {
    const allocator = new HostPortAllocator({ min: 7000, max: 7009 });
    const nodeOf = (stackId: string) => allocator.lease(stackId, [tcp], ["node-b", "node-a"])?.node;
    expect([nodeOf("s0"), nodeOf("s1"), nodeOf("s2"), nodeOf("s3")]).toEqual([
      "node-a",
      "node-b",
      "node-a",
      "node-b",
    ]);
  });

  it("leases the same number on one node once for TCP and once for UDP: separate leases", () => {
    const allocator = new HostPortAllocator({ min: 7000, max: 7000 });
    expect(allocator.lease("tcp", [tcp], ["node-a"])).toEqual({ node: "node-a", hostPorts: [7000] });
    expect(allocator.lease("udp", [udp], ["node-a"])).toEqual({ node: "node-a", hostPorts: [7000] });
    expect(allocator.lease("tcp-2", [tcp], ["node-a"])).toBeNull();
    expect(allocator.lease("one-of-each", [tcp, udp], ["node-b"])).toEqual({
      node: "node-b",
      hostPorts: [7000, 7000],
    });
  });

  it("leases a multi-port stack all on one node or nothing at all", () => {
    const allocator = new HostPortAllocator({ min: 7000, max: 7002 });
    expect(allocator.lease("one", [tcp], twoNodes)?.node).toBe("node-a");
    expect(allocator.lease("two", [tcp, tcp], twoNodes)).toEqual({ node: "node-b", hostPorts: [7000, 7001] });
    // node-a has 2 free and node-b 1: three ports fit on neither, though 3 are free across the two.
    expect(allocator.lease("three", [tcp, tcp, tcp], twoNodes)).toBeNull();
    expect(allocator.placementOf("three")).toBeNull();
    expect(allocator.stats().map((node) => node.free.TCP)).toEqual([2, 1]);
  });

  it("gives each port of a stack the place of its protocol, in request order", () => {
    const allocator = new HostPortAllocator({ min: 7000, max: 7009 });
    expect(allocator.lease("mixed", [udp, tcp, udp], ["node-a"])).toEqual({
      node: "node-a",
      hostPorts: [7000, 7000, 7001],
    });
  });

  it("frees a released stack's ports, handing them out again only after the rest of the range", () => {
    const allocator = new HostPortAllocator({ min: 7000, max: 7002 });
    expect(allocator.lease("a", [tcp], ["node-a"])?.hostPorts).toEqual([7000]);
    allocator.release("a");
    expect(allocator.placementOf("a")).toBeNull();
    expect(allocator.lease("b", [tcp], ["node-a"])?.hostPorts).toEqual([7001]);
    expect(allocator.lease("c", [tcp], ["node-a"])?.hostPorts).toEqual([7002]);
    expect(allocator.lease("d", [tcp], ["node-a"])?.hostPorts).toEqual([7000]);
    expect(allocator.lease("e", [tcp], ["node-a"])).toBeNull();
  });

  it("answers a second lease for the same stack with the same placement, leasing nothing more", () => {
    const allocator = new HostPortAllocator({ min: 7000, max: 7009 });
    const first = allocator.lease("a", [tcp, udp], twoNodes);
    expect(allocator.lease("a", [tcp, udp], twoNodes)).toEqual(first);
    expect(allocator.lease("a", [tcp], ["node-z"])).toEqual(first);
    expect(allocator.capacity().leased).toEqual({ TCP: 1, UDP: 1 });
  });

  it("answers null for no ports or no candidates", () => {
    const allocator = new HostPortAllocator({ min: 7000, max: 7009 });
    expect(allocator.lease("none", [], twoNodes)).toBeNull();
    expect(allocator.lease("nowhere", [tcp], [])).toBeNull();
  });

  it("keeps an adopted stack's ports leased until it is released", () => {
    const allocator = new HostPortAllocator({ min: 7000, max: 7001 });
    allocator.adopt("old", "node-a", [
      { protocol: "TCP", hostPort: 7000 },
      { protocol: "TCP", hostPort: 7001 },
    ]);
    expect(allocator.placementOf("old")).toEqual({ node: "node-a", hostPorts: [7000, 7001] });
    expect(allocator.lease("new", [tcp], ["node-a"])).toBeNull();
    allocator.release("old");
    expect(allocator.lease("new", [tcp], ["node-a"])?.hostPorts).toHaveLength(1);
  });

  it("adopts a stack's pod in the order of its ports, and refuses a pod without a node", () => {
    const allocator = new HostPortAllocator({ min: 7000, max: 7009 });
    const pod = podWith("node-a", [
      { containerPort: 53, hostPort: 7004, protocol: "UDP" },
      { containerPort: 80, hostPort: 7003 },
    ]);
    const ports = [
      { containerPort: 80, protocol: "TCP" },
      { containerPort: 53, protocol: "UDP" },
    ] as const;
    expect(allocator.adoptPod("a", [...ports], pod)).toBe(true);
    expect(allocator.placementOf("a")).toEqual({ node: "node-a", hostPorts: [7003, 7004] });
    const unplaced: V1Pod = {
      spec: { containers: [{ name: "app", ports: [{ containerPort: 80, hostPort: 7005 }] }] },
    };
    expect(allocator.adoptPod("b", [{ containerPort: 80, protocol: "TCP" }], unplaced)).toBe(false);
    expect(allocator.placementOf("b")).toBeNull();
  });

  it("never hands out the in-range host ports other pods hold, on their node and protocol only", () => {
    const allocator = new HostPortAllocator({ min: 7000, max: 7001 });
    allocator.learnClusterPods([
      podWith("node-a", [{ hostPort: 7000 }, { hostPort: 9000 }]),
      podWith("node-a", [{ hostPort: 7001 }], "selector"),
      podWith("node-b", [{ hostPort: 7000, protocol: "UDP" }]),
    ]);
    expect(allocator.lease("a", [tcp], ["node-a"])).toBeNull();
    expect(allocator.lease("b", [tcp], ["node-b"])?.hostPorts).toEqual([7000]);
    expect(allocator.lease("c", [udp], ["node-b"])?.hostPorts).toEqual([7001]);
    expect(allocator.stats()).toEqual([
      { node: "node-a", leased: { TCP: 0, UDP: 0 }, taken: { TCP: 2, UDP: 0 }, free: { TCP: 0, UDP: 2 } },
      { node: "node-b", leased: { TCP: 1, UDP: 1 }, taken: { TCP: 0, UDP: 1 }, free: { TCP: 1, UDP: 0 } },
    ]);
  });

  it("frees ports of pods a later list no longer has, and keeps leased ports that a list names", () => {
    const allocator = new HostPortAllocator({ min: 7000, max: 7001 });
    const mine = allocator.lease("mine", [tcp], ["node-a"]);
    allocator.learnClusterPods([
      podWith("node-a", [{ hostPort: 7000 }]),
      podWith("node-a", [{ hostPort: 7001 }]),
    ]);
    expect(mine?.hostPorts).toEqual([7000]);
    expect(allocator.stats()[0]?.taken.TCP).toBe(1);
    allocator.release("mine");
    expect(allocator.lease("other", [tcp], ["node-a"])?.hostPorts).toEqual([7000]);
    allocator.learnClusterPods([]);
    expect(allocator.lease("another", [tcp], ["node-a"])?.hostPorts).toEqual([7001]);
  });

  it("lets an adopted stack have ports a cluster list marked taken", () => {
    const allocator = new HostPortAllocator({ min: 7000, max: 7000 });
    allocator.learnClusterPods([podWith("node-a", [{ hostPort: 7000 }])]);
    allocator.adopt("mine", "node-a", [{ protocol: "TCP", hostPort: 7000 }]);
    expect(allocator.stats()[0]).toMatchObject({ leased: { TCP: 1 }, taken: { TCP: 0 } });
  });

  it("drops a deleted node's leases and names the stacks that held them", () => {
    const allocator = new HostPortAllocator({ min: 7000, max: 7000 });
    allocator.lease("a", [tcp], ["node-a"]);
    allocator.lease("b", [tcp], ["node-b"]);
    expect(allocator.forgetNode("node-a")).toEqual(["a"]);
    expect(allocator.placementOf("a")).toBeNull();
    expect(allocator.capacity()).toMatchObject({ nodes: 1, total: 1, free: { TCP: 0 } });
    expect(allocator.lease("c", [tcp], ["node-b"])).toBeNull();
    expect(allocator.lease("c", [tcp], ["node-a"])).toEqual({ node: "node-a", hostPorts: [7000] });
  });

  it("serves 500 concurrent creates on 5 nodes x 100 ports without giving one (node, port) twice", async () => {
    const allocator = new HostPortAllocator({ min: 7000, max: 7099 });
    const nodes = ["n1", "n2", "n3", "n4", "n5"];
    const creates = Array.from({ length: 520 }, async (_, index) => {
      await Promise.resolve();
      return allocator.lease(`s${index}`, [tcp], nodes);
    });
    const granted = await Promise.all(creates);
    const placed = granted.filter((placement) => placement !== null);
    expect(placed).toHaveLength(500);
    expect(new Set(placed.map((placement) => `${placement.node}:${placement.hostPorts[0]}`)).size).toBe(500);
    expect(allocator.stats().map((node) => node.leased.TCP)).toEqual([100, 100, 100, 100, 100]);
  });
});

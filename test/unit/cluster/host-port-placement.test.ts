import { describe, expect, it } from "bun:test";
import type { V1Pod } from "@kubernetes/client-node";
import { hostPortsOfPod, withHostPorts } from "../../../src/cluster/host-port-placement.ts";

/** A sanitised stack pod: two containers, the role selector stackd sets, the author's own selector. */
function stackPod(): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "stack-a", namespace: "stacks" },
    spec: {
      nodeSelector: { role: "stack", "disk.example/type": "ssd" },
      containers: [
        {
          name: "app",
          image: "nginx:stable",
          ports: [
            { containerPort: 80, protocol: "TCP" },
            { containerPort: 53, protocol: "UDP" },
          ],
        },
        { name: "dns", image: "coredns:1", ports: [{ containerPort: 53, protocol: "TCP" }] },
        { name: "logs", image: "busybox:1" },
      ],
    },
  };
}

describe("withHostPorts", () => {
  it("gives each exposed port its host port, matched by number and protocol across containers", () => {
    const pod = withHostPorts(
      stackPod(),
      [
        { containerPort: 53, protocol: "TCP" },
        { containerPort: 53, protocol: "UDP" },
      ],
      { node: "node-a", hostPorts: [7001, 7002] },
    );
    expect(pod.spec?.containers.map((container) => container.ports)).toEqual([
      [
        { containerPort: 80, protocol: "TCP" },
        { containerPort: 53, protocol: "UDP", hostPort: 7002 },
      ],
      [{ containerPort: 53, protocol: "TCP", hostPort: 7001 }],
      undefined,
    ]);
  });

  it("pins the pod to the node by its hostname label, keeping the role and the author's selectors", () => {
    const pod = withHostPorts(stackPod(), [{ containerPort: 80, protocol: "TCP" }], {
      node: "node-a",
      hostPorts: [7000],
    });
    expect(pod.spec?.nodeSelector).toEqual({
      role: "stack",
      "disk.example/type": "ssd",
      "kubernetes.io/hostname": "node-a",
    });
  });

  it("replaces a hostname selector the author set with the node stackd chose", () => {
    const authored = stackPod();
    (authored.spec as NonNullable<V1Pod["spec"]>).nodeSelector = {
      role: "stack",
      "kubernetes.io/hostname": "node-z",
    };
    const pod = withHostPorts(authored, [{ containerPort: 80, protocol: "TCP" }], {
      node: "node-a",
      hostPorts: [7000],
    });
    expect(pod.spec?.nodeSelector?.["kubernetes.io/hostname"]).toBe("node-a");
  });

  it("leaves the pod it was given unchanged", () => {
    const original = stackPod();
    const before = structuredClone(original);
    withHostPorts(original, [{ containerPort: 80, protocol: "TCP" }], { node: "node-a", hostPorts: [7000] });
    expect(original).toEqual(before);
  });

  it("treats a port without protocol as TCP", () => {
    const pod: V1Pod = { spec: { containers: [{ name: "app", ports: [{ containerPort: 80 }] }] } };
    const placed = withHostPorts(pod, [{ containerPort: 80, protocol: "TCP" }], {
      node: "node-a",
      hostPorts: [7000],
    });
    expect(placed.spec?.containers[0]?.ports).toEqual([{ containerPort: 80, hostPort: 7000 }]);
  });

  it("throws when no container declares an exposed port, or the host ports do not match the ports", () => {
    const placement = { node: "node-a", hostPorts: [7000] };
    expect(() => withHostPorts(stackPod(), [{ containerPort: 80, protocol: "UDP" }], placement)).toThrow(
      "no container declares UDP containerPort 80",
    );
    expect(() =>
      withHostPorts(
        stackPod(),
        [
          { containerPort: 80, protocol: "TCP" },
          { containerPort: 53, protocol: "UDP" },
        ],
        placement,
      ),
    ).toThrow("2 exposed ports but 1 host ports");
  });
});

describe("hostPortsOfPod", () => {
  it("reads back what withHostPorts set: the pinned node and each host port", () => {
    const pod = withHostPorts(
      stackPod(),
      [
        { containerPort: 80, protocol: "TCP" },
        { containerPort: 53, protocol: "UDP" },
      ],
      { node: "node-a", hostPorts: [7000, 7001] },
    );
    expect(hostPortsOfPod(pod)).toEqual({
      node: "node-a",
      ports: [
        { containerPort: 80, protocol: "TCP", hostPort: 7000 },
        { containerPort: 53, protocol: "UDP", hostPort: 7001 },
      ],
    });
  });

  it("prefers the node the pod was bound to, and reads init containers but not SCTP or hostPort 0", () => {
    const pod: V1Pod = {
      spec: {
        nodeName: "node-b",
        nodeSelector: { "kubernetes.io/hostname": "node-a" },
        containers: [
          {
            name: "app",
            ports: [
              { containerPort: 80, hostPort: 0 },
              { containerPort: 9, protocol: "SCTP", hostPort: 9 },
            ],
          },
        ],
        initContainers: [{ name: "proxy", ports: [{ containerPort: 8080, hostPort: 8080 }] }],
      },
    };
    expect(hostPortsOfPod(pod)).toEqual({
      node: "node-b",
      ports: [{ containerPort: 8080, protocol: "TCP", hostPort: 8080 }],
    });
  });

  it("answers no node for a pod neither bound nor pinned", () => {
    expect(hostPortsOfPod({ spec: { containers: [] } })).toEqual({ node: null, ports: [] });
  });
});

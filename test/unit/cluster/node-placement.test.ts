import { describe, expect, it } from "bun:test";
import type { V1Node } from "@kubernetes/client-node";
import { NodeDirectory } from "../../../src/cluster/node-directory.ts";

const node = (
  name: string,
  options: { role?: string; ready?: boolean; cordoned?: boolean; taint?: string } = {},
) =>
  ({
    metadata: { name, labels: { role: options.role ?? "stack" } },
    spec: {
      ...(options.cordoned ? { unschedulable: true } : {}),
      ...(options.taint ? { taints: [{ key: options.taint, effect: "NoSchedule" }] } : {}),
    },
    status: { conditions: [{ type: "Ready", status: options.ready === false ? "False" : "True" }] },
  }) as V1Node;

describe("NodeDirectory.placeable (where a hostport stack may be pinned)", () => {
  it("names the Ready, uncordoned nodes of the role, by name", () => {
    const nodes = new NodeDirectory();
    nodes.sync([node("b"), node("a"), node("backend", { role: "backend" })]);
    expect(nodes.placeable("stack")).toEqual(["a", "b"]);
  });

  it("leaves out a node that is not Ready, cordoned, or still carries the node controller's not-ready taint", () => {
    const nodes = new NodeDirectory();
    nodes.sync([
      node("ok"),
      node("down", { ready: false }),
      node("cordoned", { cordoned: true }),
      node("just-ready", { taint: "node.kubernetes.io/not-ready" }),
    ]);
    expect(nodes.placeable("stack")).toEqual(["ok"]);
  });

  it("follows a node that becomes placeable, and forgets a deleted one", () => {
    const nodes = new NodeDirectory();
    nodes.sync([node("a", { taint: "node.kubernetes.io/not-ready" })]);
    expect(nodes.placeable("stack")).toEqual([]);
    nodes.upsert(node("a"));
    expect(nodes.placeable("stack")).toEqual(["a"]);
    nodes.remove("a");
    expect(nodes.placeable("stack")).toEqual([]);
  });
});

import { describe, expect, it } from "bun:test";
import type { V1Pod, V1Service } from "@kubernetes/client-node";
import { ClusterView } from "../../../src/cluster/cluster-view.ts";
import { recordAnnotations } from "../../../src/cluster/record-codec.ts";
import type { StackUpdate } from "../../../src/stacks/stack-update.ts";
import { clusterIdentity, recordAnnotationOf } from "../../helpers/stack-fixtures.ts";

const identity = clusterIdentity;

const service = (stackId: string, annotations: Record<string, string> = {}): V1Service => ({
  metadata: {
    name: `svc-${stackId}`,
    namespace: "stacks",
    labels: { "stackd.io/stack-id": stackId },
    annotations: { [recordAnnotations.record]: recordAnnotationOf(identity(stackId)), ...annotations },
  },
  spec: { ports: [{ port: 80, nodePort: 31001 }] },
});

const pod = (stackId: string, ready: boolean, nodeName = "node-1"): V1Pod => ({
  metadata: { name: stackId, labels: { "stackd.io/stack-id": stackId } },
  spec: { containers: [], nodeName },
  status: {
    phase: "Running",
    conditions: [{ type: "Ready", status: ready ? "True" : "False" }],
  },
});

function view(nodes = new Set(["node-1"])) {
  const clusterView = new ClusterView(
    { has: (name) => nodes.has(name), externalIp: () => "203.0.113.1" },
    () => Date.parse("2026-11-28T21:00:00.000Z"),
  );
  const updates: string[] = [];
  clusterView.onUpdate((update: StackUpdate) =>
    updates.push(`${update.kind} ${update.stack.stack_id} ${update.stack.status}`),
  );
  return { clusterView, updates, nodes };
}

describe("ClusterView", () => {
  it("shows a stack once its Service exists, and follows its Pod to running", () => {
    const { clusterView, updates } = view();
    clusterView.pod(false, pod("stack-a", false));
    expect(clusterView.has("stack-a")).toBe(false);
    clusterView.service(false, service("stack-a"));
    clusterView.pod(false, pod("stack-a", true));
    expect(clusterView.get("stack-a")?.status).toBe("running");
    expect(clusterView.get("stack-a")?.node_public_ip).toBe("203.0.113.1");
    expect(updates).toEqual(["created stack-a creating", "changed stack-a running"]);
  });

  it("emits nothing when a relist says what it already showed", () => {
    const { clusterView, updates } = view();
    clusterView.services([service("stack-a")]);
    clusterView.pods([pod("stack-a", true)]);
    clusterView.services([service("stack-a")]);
    clusterView.pods([pod("stack-a", true)]);
    expect(updates).toEqual(["created stack-a creating", "changed stack-a running"]);
  });

  it("shows the terminal status the leader wrote on the Service", () => {
    const { clusterView } = view();
    const terminal = JSON.stringify({ status: "failed", reason: "pod was deleted outside stackd", at: "x" });
    clusterView.service(false, service("stack-a", { [recordAnnotations.terminal]: terminal }));
    expect(clusterView.get("stack-a")?.status).toBe("failed");
    expect(clusterView.get("stack-a")?.status_reason).toBe("pod was deleted outside stackd");
  });

  it("marks stacks on a node that went away as node_deleted", () => {
    const { clusterView, nodes } = view();
    clusterView.services([service("stack-a")]);
    clusterView.pods([pod("stack-a", true)]);
    nodes.delete("node-1");
    clusterView.nodes();
    expect(clusterView.get("stack-a")?.status).toBe("node_deleted");
  });

  it("removes a stack when its Service is deleted or a relist no longer has it", () => {
    const { clusterView, updates } = view();
    clusterView.services([service("stack-a"), service("stack-b")]);
    clusterView.service(true, service("stack-a"));
    clusterView.services([]);
    expect(clusterView.size).toBe(0);
    expect(updates.filter((line) => line.startsWith("removed"))).toEqual([
      "removed stack-a creating",
      "removed stack-b creating",
    ]);
  });

  it("hands a new leader every stack and the state of every Pod", () => {
    const { clusterView } = view();
    clusterView.services([service("stack-a")]);
    clusterView.pods([pod("stack-a", true)]);
    expect(clusterView.stacks().map((stack) => stack.stack_id)).toEqual(["stack-a"]);
    const [[stackId, state] = []] = [...clusterView.podStates()];
    expect(stackId).toBe("stack-a");
    expect(state && typeof state !== "string" ? state.facts.ready : undefined).toBe(true);
  });
});

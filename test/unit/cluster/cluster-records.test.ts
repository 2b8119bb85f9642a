import { describe, expect, it } from "bun:test";
import type { V1Pod, V1Service } from "@kubernetes/client-node";
import type { PodFacts } from "../../../machines/stack.types.ts";
import { stacksFromCluster, statusFromCluster } from "../../../src/cluster/cluster-records.ts";
import { recordAnnotations } from "../../../src/cluster/record-codec.ts";
import { clusterIdentity, recordAnnotationOf } from "../../helpers/stack-fixtures.ts";

const nodes = {
  has: (name: string) => name === "stack-node-1",
  externalIp: (name: string | null | undefined) => (name === "stack-node-1" ? "203.0.113.11" : null),
};

const identity = clusterIdentity;

const service = (stackId: string, annotation?: string, deleting = false): V1Service => ({
  metadata: {
    name: `svc-${stackId}`,
    namespace: "stacks",
    labels: { "stackd.io/stack-id": stackId },
    ...(annotation === undefined ? {} : { annotations: { [recordAnnotations.record]: annotation } }),
    ...(deleting ? { deletionTimestamp: new Date() } : {}),
  },
  spec: { ports: [{ port: 80, nodePort: 31005 }] },
});

const pod = (stackId: string, nodeName: string): V1Pod => ({
  metadata: { name: stackId, labels: { "stackd.io/stack-id": stackId } },
  spec: { containers: [], nodeName },
});

const now = Date.parse("2026-11-28T21:00:00.000Z");

describe("stacksFromCluster", () => {
  it("rebuilds a stack the database does not know from its Service's record and its Pod", () => {
    const [stack] = stacksFromCluster(
      [service("stack-a", recordAnnotationOf(identity("stack-a")))],
      [pod("stack-a", "stack-node-1")],
      new Set(),
      now,
      nodes,
    );
    expect(stack).toEqual({
      stack_id: "stack-a",
      pod_id: "stack-a",
      namespace: "stacks",
      node_id: "stack-node-1",
      node_public_ip: "203.0.113.11",
      pod_spec: "apiVersion: v1\nkind: Pod\n",
      target_port: 80,
      node_port: 31005,
      service_name: "svc-stack-a",
      status: "creating",
      status_reason: null,
      ttl_expires_at: "2026-11-28T22:00:00.000Z",
      created_at: "2026-11-28T20:00:00.000Z",
      updated_at: "2026-11-28T21:00:00.000Z",
      requested_cpu_milli: 100,
      requested_memory_bytes: 134_217_728,
      ports: [{ container_port: 80, protocol: "TCP", node_port: 31005 }],
      labels: {},
      endpoints: [
        { protocol: "TCP", kind: "tcp", host: "203.0.113.11", port: 31005, connect: "nc 203.0.113.11 31005" },
      ],
      acknowledged: true,
    });
  });

  it("skips stacks the database knows, Services being deleted, and Services without a readable record", () => {
    const rebuilt = stacksFromCluster(
      [
        service("stack-known", recordAnnotationOf(identity("stack-known"))),
        service("stack-deleting", recordAnnotationOf(identity("stack-deleting")), true),
        service("stack-bare"),
        service("stack-garbled", "{not json"),
        service("stack-partial", JSON.stringify({ created_at: "2026-11-28T20:00:00.000Z" })),
      ],
      [],
      new Set(["stack-known"]),
      now,
      nodes,
    );
    expect(rebuilt).toEqual([]);
  });

  it("leaves the node empty when the Pod is gone, so the stack resumes before scheduling", () => {
    const [stack] = stacksFromCluster(
      [service("stack-a", recordAnnotationOf(identity("stack-a")))],
      [],
      new Set(),
      now,
      nodes,
    );
    expect(stack?.node_id).toBe("");
  });
});

const facts = (overrides: Partial<PodFacts>): PodFacts => ({
  exists: true,
  phase: "Running",
  nodeName: "stack-node-1",
  ready: false,
  failureReason: null,
  unschedulableReason: null,
  ...overrides,
});
const podState = (overrides: Partial<PodFacts>, nodeDeleted = false) => ({
  facts: facts(overrides),
  nodePublicIp: null,
  nodeDeleted,
});

describe("statusFromCluster", () => {
  it("reads a Ready pod as running and a pod not yet Ready as creating", () => {
    expect(statusFromCluster(false, undefined, podState({ ready: true }))).toEqual({
      status: "running",
      reason: null,
    });
    expect(statusFromCluster(false, undefined, podState({}))).toEqual({ status: "creating", reason: null });
  });

  it("reads a failed pod as failed with its reason, and a completed one as stopped", () => {
    expect(statusFromCluster(false, undefined, podState({ failureReason: "exit 1" }))).toEqual({
      status: "failed",
      reason: "exit 1",
    });
    expect(statusFromCluster(false, undefined, podState({ phase: "Succeeded" }))).toEqual({
      status: "stopped",
      reason: "completed",
    });
  });

  it("reads a pod whose node is gone as node_deleted", () => {
    expect(statusFromCluster(false, undefined, podState({ ready: true }, true)).status).toBe("node_deleted");
  });

  it("lets the terminal record win over the pod, and a deleting Service win over both", () => {
    const terminal = { status: "failed" as const, reason: "pod was deleted outside stackd", at: "x" };
    expect(statusFromCluster(false, terminal, undefined)).toEqual({
      status: "failed",
      reason: "pod was deleted outside stackd",
    });
    expect(statusFromCluster(true, terminal, podState({ ready: true })).status).toBe("stopped");
  });
});

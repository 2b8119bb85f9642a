import { describe, expect, it } from "bun:test";
import type { V1Pod, V1Service } from "@kubernetes/client-node";
import type { StackIdentity } from "../../../machines/stack.types.ts";
import { stacksFromCluster } from "../../../src/stacks/cluster-records.ts";
import { recordAnnotation, serviceRecordOf } from "../../../src/stacks/stack-resources.ts";

const identity = (stackId: string): StackIdentity => ({
  stackId,
  namespace: "stacks",
  podName: stackId,
  serviceName: `svc-${stackId}`,
  targetPort: 80,
  podSpecYaml: "apiVersion: v1\nkind: Pod\n",
  createdAt: Date.parse("2026-11-28T20:00:00.000Z"),
  ttlExpiresAt: Date.parse("2026-11-28T22:00:00.000Z"),
  requestedCpuMilli: 100,
  requestedMemoryBytes: 134_217_728,
});

const service = (stackId: string, annotation?: string, deleting = false): V1Service => ({
  metadata: {
    name: `svc-${stackId}`,
    namespace: "stacks",
    labels: { "stackd.io/stack-id": stackId },
    ...(annotation === undefined ? {} : { annotations: { [recordAnnotation]: annotation } }),
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
      [service("stack-a", serviceRecordOf(identity("stack-a")))],
      [pod("stack-a", "stack-node-1")],
      new Set(),
      now,
    );
    expect(stack).toEqual({
      stack_id: "stack-a",
      pod_id: "stack-a",
      namespace: "stacks",
      node_id: "stack-node-1",
      node_public_ip: null,
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
      acknowledged: true,
    });
  });

  it("skips stacks the database knows, Services being deleted, and Services without a readable record", () => {
    const rebuilt = stacksFromCluster(
      [
        service("stack-known", serviceRecordOf(identity("stack-known"))),
        service("stack-deleting", serviceRecordOf(identity("stack-deleting")), true),
        service("stack-bare"),
        service("stack-garbled", "{not json"),
        service("stack-partial", JSON.stringify({ created_at: "2026-11-28T20:00:00.000Z" })),
      ],
      [],
      new Set(["stack-known"]),
      now,
    );
    expect(rebuilt).toEqual([]);
  });

  it("leaves the node empty when the Pod is gone, so the stack resumes before scheduling", () => {
    const [stack] = stacksFromCluster(
      [service("stack-a", serviceRecordOf(identity("stack-a")))],
      [],
      new Set(),
      now,
    );
    expect(stack?.node_id).toBe("");
  });
});

import { describe, expect, it } from "bun:test";
import type { V1ContainerState, V1ContainerStatus, V1Pod, V1PodStatus } from "@kubernetes/client-node";
import type { PodFacts } from "../../../machines/stack.types.ts";
import { podFacts, podGone } from "../../../src/cluster/pod-facts.ts";

const node = "stack-node-1";

/** A stack's Pod with the given status, bound to `nodeName` (null: not scheduled yet). */
function pod(status: V1PodStatus, nodeName: string | null = node): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "stack-0123456789abcdef", namespace: "stacks" },
    spec: {
      ...(nodeName === null ? {} : { nodeName }),
      restartPolicy: "Never",
      initContainers: [{ name: "init", image: "busybox:1.36" }],
      containers: [{ name: "app", image: "nginx:stable" }],
    },
    status,
  };
}

/** A container status with the fields the API always sets. */
function container(name: string, state: V1ContainerState, ready = false): V1ContainerStatus {
  return { name, image: "nginx:stable", imageID: "", ready, restartCount: 0, state };
}

/** The facts of an existing pod: nothing known unless `facts` says so. */
function existing(facts: Partial<PodFacts>): PodFacts {
  return {
    exists: true,
    phase: null,
    nodeName: null,
    ready: false,
    failureReason: null,
    unschedulableReason: null,
    ...facts,
  };
}

const podScheduled = { type: "PodScheduled", status: "True" };
const ready = { type: "Ready", status: "True" };
const notReady = { type: "Ready", status: "False", reason: "ContainersNotReady" };

const cases: Array<{ name: string; pod: V1Pod; facts: PodFacts }> = [
  // Scheduling and readiness
  {
    name: "reports the scheduler's reason for a pending pod it cannot place",
    pod: pod(
      {
        phase: "Pending",
        conditions: [
          {
            type: "PodScheduled",
            status: "False",
            reason: "Unschedulable",
            message: "0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.",
          },
        ],
      },
      null,
    ),
    facts: existing({
      phase: "Pending",
      unschedulableReason:
        "Unschedulable: 0/3 nodes are available: 3 node(s) didn't match Pod's node affinity/selector.",
    }),
  },
  {
    name: "reports a bare unschedulable pod as unschedulable",
    pod: pod({ phase: "Pending", conditions: [{ type: "PodScheduled", status: "False" }] }, null),
    facts: existing({ phase: "Pending", unschedulableReason: "unschedulable" }),
  },
  {
    name: "reports a scheduled pending pod with its node and no problem",
    pod: pod({ phase: "Pending", conditions: [podScheduled] }),
    facts: existing({ phase: "Pending", nodeName: node }),
  },
  {
    name: "reports a running pod whose Ready condition is False as not ready",
    pod: pod({
      phase: "Running",
      conditions: [podScheduled, notReady],
      containerStatuses: [container("app", { running: {} })],
    }),
    facts: existing({ phase: "Running", nodeName: node }),
  },
  {
    name: "reports a running pod whose Ready condition is True as ready",
    pod: pod({
      phase: "Running",
      conditions: [podScheduled, ready],
      containerStatuses: [container("app", { running: {} }, true)],
    }),
    facts: existing({ phase: "Running", nodeName: node, ready: true }),
  },
  {
    name: "does not report ready when the Ready condition is True but the phase is not Running",
    pod: pod({ phase: "Pending", conditions: [podScheduled, ready] }),
    facts: existing({ phase: "Pending", nodeName: node }),
  },
  // Pod phases
  {
    name: "reports a Succeeded pod without a failure",
    pod: pod({
      phase: "Succeeded",
      conditions: [podScheduled],
      containerStatuses: [container("app", { terminated: { exitCode: 0, reason: "Completed" } })],
    }),
    facts: existing({ phase: "Succeeded", nodeName: node }),
  },
  {
    name: "reports a Failed pod's reason and message",
    pod: pod({ phase: "Failed", reason: "Evicted", message: "The node was low on resource: memory." }),
    facts: existing({
      phase: "Failed",
      nodeName: node,
      failureReason: "Evicted: The node was low on resource: memory.",
    }),
  },
  {
    name: "reports a Failed pod's message alone when it has no reason",
    pod: pod({ phase: "Failed", message: "Pod was rejected: node(s) had untolerated taint" }),
    facts: existing({
      phase: "Failed",
      nodeName: node,
      failureReason: "Pod was rejected: node(s) had untolerated taint",
    }),
  },
  {
    name: "reports a Failed pod without reason or message as 'pod failed'",
    pod: pod({ phase: "Failed" }),
    facts: existing({ phase: "Failed", nodeName: node, failureReason: "pod failed" }),
  },
  {
    name: "prefers the failed container's exit to the Failed pod's own reason",
    pod: pod({
      phase: "Failed",
      reason: "Evicted",
      containerStatuses: [container("app", { terminated: { exitCode: 1, reason: "Error" } })],
    }),
    facts: existing({
      phase: "Failed",
      nodeName: node,
      failureReason: "container app exited with code 1: Error",
    }),
  },
  // Containers that cannot start
  {
    name: "reports a container waiting on ErrImagePull as failed, with the message",
    pod: pod({
      phase: "Pending",
      containerStatuses: [
        container("app", {
          waiting: {
            reason: "ErrImagePull",
            message: 'pull access denied for "nope", repository does not exist',
          },
        }),
      ],
    }),
    facts: existing({
      phase: "Pending",
      nodeName: node,
      failureReason: 'container app: ErrImagePull: pull access denied for "nope", repository does not exist',
    }),
  },
  {
    name: "reports a container waiting on CreateContainerConfigError as failed",
    pod: pod({
      phase: "Pending",
      containerStatuses: [
        container("app", {
          waiting: { reason: "CreateContainerConfigError", message: 'secret "db" not found' },
        }),
      ],
    }),
    facts: existing({
      phase: "Pending",
      nodeName: node,
      failureReason: 'container app: CreateContainerConfigError: secret "db" not found',
    }),
  },
  {
    name: "reports an image error without a message by its reason",
    pod: pod({
      phase: "Pending",
      containerStatuses: [container("app", { waiting: { reason: "ErrImagePull" } })],
    }),
    facts: existing({ phase: "Pending", nodeName: node, failureReason: "container app: ErrImagePull" }),
  },
  {
    name: "does not treat a container waiting on ContainerCreating as a failure",
    pod: pod({
      phase: "Pending",
      containerStatuses: [container("app", { waiting: { reason: "ContainerCreating" } })],
    }),
    facts: existing({ phase: "Pending", nodeName: node }),
  },
  {
    name: "does not treat an init container waiting on PodInitializing as a failure",
    pod: pod({
      phase: "Pending",
      initContainerStatuses: [container("init", { waiting: { reason: "PodInitializing" } })],
    }),
    facts: existing({ phase: "Pending", nodeName: node }),
  },
  // Exits
  {
    name: "reports an init container that exits non-zero as failed",
    pod: pod({
      phase: "Pending",
      initContainerStatuses: [container("init", { terminated: { exitCode: 2, reason: "Error" } })],
      containerStatuses: [container("app", { waiting: { reason: "PodInitializing" } })],
    }),
    facts: existing({
      phase: "Pending",
      nodeName: node,
      failureReason: "container init exited with code 2: Error",
    }),
  },
  {
    name: "does not treat a container that exits 0 as a failure",
    pod: pod({
      phase: "Running",
      initContainerStatuses: [container("init", { terminated: { exitCode: 0, reason: "Completed" } })],
      containerStatuses: [container("app", { terminated: { exitCode: 0, reason: "Completed" } })],
    }),
    facts: existing({ phase: "Running", nodeName: node }),
  },
  {
    name: "reports a non-zero exit with the container's reason and message",
    pod: pod({
      phase: "Running",
      containerStatuses: [
        container("app", {
          terminated: { exitCode: 137, reason: "OOMKilled", message: "memory limit of 64Mi exceeded" },
        }),
      ],
    }),
    facts: existing({
      phase: "Running",
      nodeName: node,
      failureReason: "container app exited with code 137: OOMKilled: memory limit of 64Mi exceeded",
    }),
  },
  {
    name: "reports a non-zero exit without reason or message as terminated",
    pod: pod({ phase: "Running", containerStatuses: [container("app", { terminated: { exitCode: 1 } })] }),
    facts: existing({
      phase: "Running",
      nodeName: node,
      failureReason: "container app exited with code 1: terminated",
    }),
  },
  {
    name: "reports the init container's failure before a regular container's",
    pod: pod({
      phase: "Failed",
      initContainerStatuses: [container("init", { terminated: { exitCode: 3 } })],
      containerStatuses: [container("app", { waiting: { reason: "ErrImagePull" } })],
    }),
    facts: existing({
      phase: "Failed",
      nodeName: node,
      failureReason: "container init exited with code 3: terminated",
    }),
  },
];

describe("podFacts", () => {
  for (const testCase of cases) {
    it(testCase.name, () => {
      expect(podFacts(testCase.pod)).toEqual(testCase.facts);
    });
  }

  it("reports a pod without a status as existing, with nothing else known", () => {
    expect(podFacts({ metadata: { name: "stack-0123456789abcdef" } })).toEqual(existing({}));
  });
});

describe("podGone", () => {
  it("says the pod does not exist and carries no other facts", () => {
    expect(podGone).toEqual({ ...existing({}), exists: false });
  });
});

import type { V1Pod } from "@kubernetes/client-node";
import type { PodFacts } from "../../machines/stack.types.ts";

const imageOrConfigErrors = new Set([
  "ErrImagePull",
  "ImagePullBackOff",
  "InvalidImageName",
  "CreateContainerConfigError",
  "CreateContainerError",
  "ErrImageNeverPull",
  "RunContainerError",
]);

export const podGone: PodFacts = {
  exists: false,
  phase: null,
  nodeName: null,
  ready: false,
  failureReason: null,
  unschedulableReason: null,
};

/** "reason: message", or whichever of them is not empty, or the fallback. */
function describe(reason: string | undefined, message: string | undefined, fallback: string): string {
  if (reason && message) return `${reason}: ${message}`;
  return reason || message || fallback;
}

function containerFailure(pod: V1Pod): string | null {
  const statuses = [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])];
  for (const status of statuses) {
    const waiting = status.state?.waiting;
    if (waiting?.reason && imageOrConfigErrors.has(waiting.reason)) {
      return `container ${status.name}: ${describe(waiting.reason, waiting.message, "cannot start")}`;
    }
    const terminated = status.state?.terminated;
    if (terminated && terminated.exitCode !== 0) {
      return `container ${status.name} exited with code ${terminated.exitCode}: ${describe(terminated.reason, terminated.message, "terminated")}`;
    }
  }
  return null;
}

/** Reduces a Pod to the facts the stack machine decides on. */
export function podFacts(pod: V1Pod): PodFacts {
  const phase = pod.status?.phase ?? null;
  const conditions = pod.status?.conditions ?? [];
  const ready = conditions.some((condition) => condition.type === "Ready" && condition.status === "True");
  const scheduled = conditions.find((condition) => condition.type === "PodScheduled");
  let failureReason = containerFailure(pod);
  if (phase === "Failed" && !failureReason) {
    failureReason = describe(pod.status?.reason, pod.status?.message, "pod failed");
  }
  return {
    exists: true,
    phase,
    nodeName: pod.spec?.nodeName ?? null,
    ready: ready && phase === "Running",
    failureReason,
    unschedulableReason:
      scheduled?.status === "False" ? describe(scheduled.reason, scheduled.message, "unschedulable") : null,
    ...(pod.status?.podIP ? { address: pod.status.podIP } : {}),
  };
}

import type { SnapshotFrom } from "xstate";
import type { stackMachine } from "../../machines/stack.machine.ts";
import type { StackIdentity, StackResume, StackStatus } from "../../machines/stack.types.ts";
import type { StoredStack } from "../store/stack-store.ts";

type StackSnapshot = SnapshotFrom<typeof stackMachine>;

/** The identity part of a stored stack (or of an actor context, which has the same fields). */
export function identityOf(stack: StoredStack): StackIdentity {
  return {
    stackId: stack.stackId,
    namespace: stack.namespace,
    podName: stack.podName,
    serviceName: stack.serviceName,
    targetPort: stack.targetPort,
    podSpecYaml: stack.podSpecYaml,
    createdAt: stack.createdAt,
    ttlExpiresAt: stack.ttlExpiresAt,
    requestedCpuMilli: stack.requestedCpuMilli,
    requestedMemoryBytes: stack.requestedMemoryBytes,
  };
}

/** The row to persist for an actor context in a given status. */
export function storedOf(context: StackSnapshot["context"], status: StackStatus): StoredStack {
  return {
    ...identityOf(context as unknown as StoredStack),
    nodePort: context.nodePort,
    nodeName: context.nodeName,
    nodePublicIp: context.nodePublicIp,
    status,
    reason: context.reason,
    acknowledged: context.acknowledged,
    updatedAt: context.updatedAt,
  };
}

/** Where a stored stack's actor picks up after a restart. */
export function resumeOf(stack: StoredStack): StackResume {
  return {
    status: stack.status,
    nodeName: stack.nodeName,
    nodePublicIp: stack.nodePublicIp,
    reason: stack.reason,
    updatedAt: stack.updatedAt,
    acknowledged: stack.acknowledged,
  };
}

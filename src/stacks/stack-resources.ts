import type { V1Pod, V1Service } from "@kubernetes/client-node";
import type { StackIdentity } from "../../machines/stack.types.ts";

/** Labels that mark stackd's objects; the stack-id label is also the Service's selector. */
export const stackLabels = {
  managedBy: "app.kubernetes.io/managed-by",
  name: "app.kubernetes.io/name",
  instance: "app.kubernetes.io/instance",
  stackId: "stackd.io/stack-id",
} as const;

export const managedBySelector = `${stackLabels.managedBy}=stackd`;

export function labelsFor(stackId: string): Record<string, string> {
  return {
    [stackLabels.managedBy]: "stackd",
    [stackLabels.name]: "stackd-stack",
    [stackLabels.instance]: stackId,
    [stackLabels.stackId]: stackId,
  };
}

/** The stack's Pod: the sanitised spec, named after the stack, with stackd's labels and the node role selector. */
export function stackPod(sanitised: V1Pod, identity: StackIdentity, nodeRole: string): V1Pod {
  const { status: _status, metadata = {}, ...rest } = sanitised;
  return {
    ...rest,
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: identity.podName,
      namespace: identity.namespace,
      labels: { ...metadata.labels, ...labelsFor(identity.stackId) },
      ...(metadata.annotations ? { annotations: metadata.annotations } : {}),
    },
    spec: {
      ...(sanitised.spec as NonNullable<V1Pod["spec"]>),
      nodeSelector: { ...sanitised.spec?.nodeSelector, role: nodeRole },
    },
  };
}

/** The stack's NodePort Service: one port, port = targetPort = target_port, selecting the stack's pod. */
export function stackService(identity: StackIdentity, nodePort: number, protocol: "TCP" | "UDP"): V1Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: identity.serviceName,
      namespace: identity.namespace,
      labels: labelsFor(identity.stackId),
    },
    spec: {
      type: "NodePort",
      selector: { [stackLabels.stackId]: identity.stackId },
      ports: [
        {
          name: "stack",
          port: identity.targetPort,
          targetPort: identity.targetPort as never,
          nodePort,
          protocol,
        },
      ],
    },
  };
}

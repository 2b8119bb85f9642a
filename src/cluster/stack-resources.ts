import type { V1Pod, V1Service } from "@kubernetes/client-node";
import type { StackIdentity, StackPort } from "../../machines/stack.types.ts";
import { newStackRecordOf } from "../stacks/stack-record.ts";
import { annotationsOf } from "./record-codec.ts";

/**
 * Labels that mark stackd's objects; the stack-id label is also the Service's selector, and
 * `stackd.io/instance` names the stackd deployment (STACKD_INSTANCE) that owns the object.
 */
export const stackLabels = {
  managedBy: "app.kubernetes.io/managed-by",
  name: "app.kubernetes.io/name",
  instance: "app.kubernetes.io/instance",
  stackId: "stackd.io/stack-id",
  stackdInstance: "stackd.io/instance",
} as const;

export const managedBySelector = `${stackLabels.managedBy}=stackd`;

/** The prefix under which a stack's own labels (`labels` of the create request) are set on its Pod. */
export const ownerLabelPrefix = "label.stackd.io/";

/** The labels of a stack's Pod and Service, made by the stackd instance named `instance`. */
export function labelsFor(stackId: string, instance: string): Record<string, string> {
  return {
    [stackLabels.managedBy]: "stackd",
    [stackLabels.name]: "stackd-stack",
    [stackLabels.instance]: stackId,
    [stackLabels.stackId]: stackId,
    [stackLabels.stackdInstance]: instance,
  };
}

/** What every object of one stack is made with besides its identity. */
export interface StackPlacement {
  /** Nodes with this `role` label run the stack. */
  nodeRole: string;
  /** The stackd instance (STACKD_INSTANCE) that owns the objects. */
  instance: string;
  /** STACK_RUNTIME_CLASS: the RuntimeClass every stack Pod runs under; null leaves the node's default. */
  runtimeClassName?: string | null;
}

/**
 * The stack's Pod: the sanitised spec, named after the stack, with stackd's labels, the node role selector
 * and the operator's RuntimeClass (the allowlist refuses an author's own).
 */
export function stackPod(sanitised: V1Pod, identity: StackIdentity, placement: StackPlacement): V1Pod {
  const { status: _status, metadata = {}, ...rest } = sanitised;
  return {
    ...rest,
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: identity.podName,
      namespace: identity.namespace,
      labels: {
        ...metadata.labels,
        ...Object.fromEntries(
          Object.entries(identity.labels).map(([key, value]) => [`${ownerLabelPrefix}${key}`, value]),
        ),
        ...labelsFor(identity.stackId, placement.instance),
      },
      ...(metadata.annotations ? { annotations: metadata.annotations } : {}),
    },
    spec: {
      ...(sanitised.spec as NonNullable<V1Pod["spec"]>),
      nodeSelector: { ...sanitised.spec?.nodeSelector, role: placement.nodeRole },
      ...(placement.runtimeClassName ? { runtimeClassName: placement.runtimeClassName } : {}),
    },
  };
}

/** The Service port name of an exposed port: `stack` for a v1.1 stack's one port, else `p-<port>-<proto>`. */
export function servicePortName(identity: Pick<StackIdentity, "targetPort">, port: StackPort): string {
  return identity.targetPort === null ? `p-${port.containerPort}-${port.protocol.toLowerCase()}` : "stack";
}

/**
 * The stack's Service, selecting the stack's pod: one port per exposed port (port = targetPort = the
 * container port). A NodePort stack's ports each get their own NodePort (`nodePorts`, in the order of
 * `identity.ports`); a stack exposed otherwise (routes, the edge, host ports) has a ClusterIP Service,
 * which still carries its record and is what its routes point to.
 */
export function stackService(identity: StackIdentity, nodePorts: number[], instance: string): V1Service {
  const nodePort = identity.exposure === undefined;
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: {
      name: identity.serviceName,
      namespace: identity.namespace,
      labels: labelsFor(identity.stackId, instance),
      annotations: annotationsOf(newStackRecordOf(identity, nodePorts)),
    },
    spec: {
      type: nodePort ? "NodePort" : "ClusterIP",
      selector: { [stackLabels.stackId]: identity.stackId },
      ports: identity.ports.map((port, index) => ({
        name: servicePortName(identity, port),
        port: port.containerPort,
        targetPort: port.containerPort as never,
        ...(nodePort ? { nodePort: nodePorts[index] as number } : {}),
        protocol: port.protocol,
        ...(port.appProtocol === "http" ? { appProtocol: "http" } : {}),
      })),
    },
  };
}

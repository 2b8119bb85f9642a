import type { V1Container, V1Pod } from "@kubernetes/client-node";
import type { HostPortPlacement } from "../../machines/host-port-leases.ts";
import type { StackPort } from "../../machines/stack.types.ts";

/** The well-known node label a stack's pod is pinned by in hostport mode (every kubelet sets it). */
export const hostnameLabel = "kubernetes.io/hostname";

/** One host port a pod holds: the container port it maps to, with its protocol. */
export interface PodHostPort {
  containerPort: number;
  protocol: StackPort["protocol"];
  hostPort: number;
}

/** A container port's protocol (TCP when unset); null for SCTP, whose host ports are a space of their own. */
function protocolOf(protocol: string | undefined): StackPort["protocol"] | null {
  if (protocol === undefined || protocol === "TCP") return "TCP";
  return protocol === "UDP" ? "UDP" : null;
}

/**
 * The stack's pod with each exposed port given its host port (`placement.hostPorts[i]` for `ports[i]`,
 * on the first container port of that number and protocol) and pinned to `placement.node` by the hostname
 * label beside its other selectors (`role`). Throws when no container declares an exposed port, which the
 * sanitiser rules out.
 */
export function withHostPorts(pod: V1Pod, ports: StackPort[], placement: HostPortPlacement): V1Pod {
  if (ports.length !== placement.hostPorts.length) {
    throw new Error(`${ports.length} exposed ports but ${placement.hostPorts.length} host ports`);
  }
  const spec = pod.spec as NonNullable<V1Pod["spec"]>;
  const containers: V1Container[] = spec.containers.map((container) => ({
    ...container,
    ...(container.ports ? { ports: container.ports.map((port) => ({ ...port })) } : {}),
  }));
  ports.forEach((exposed, index) => {
    const declared = containers
      .flatMap((container) => container.ports ?? [])
      .find(
        (port) =>
          port.containerPort === exposed.containerPort && protocolOf(port.protocol) === exposed.protocol,
      );
    if (declared === undefined) {
      throw new Error(`no container declares ${exposed.protocol} containerPort ${exposed.containerPort}`);
    }
    declared.hostPort = placement.hostPorts[index] as number;
  });
  return {
    ...pod,
    spec: { ...spec, containers, nodeSelector: { ...spec.nodeSelector, [hostnameLabel]: placement.node } },
  };
}

/**
 * The node a pod runs on (its nodeName) or is pinned to (its hostname selector), null when neither, and
 * the TCP and UDP host ports of its containers and init containers.
 */
export function hostPortsOfPod(pod: V1Pod): { node: string | null; ports: PodHostPort[] } {
  const spec = pod.spec;
  const node = spec?.nodeName || spec?.nodeSelector?.[hostnameLabel] || null;
  const ports: PodHostPort[] = [];
  for (const container of [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])]) {
    for (const port of container.ports ?? []) {
      const protocol = protocolOf(port.protocol);
      if (protocol !== null && port.hostPort !== undefined && port.hostPort > 0) {
        ports.push({ containerPort: port.containerPort, protocol, hostPort: port.hostPort });
      }
    }
  }
  return { node, ports };
}

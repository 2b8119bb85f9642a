import type { V1Pod } from "@kubernetes/client-node";
import type { StackIdentity } from "../../machines/stack.types.ts";
import { withHostPorts } from "../cluster/host-port-placement.ts";
import type { HostPortAllocator } from "../ports/host-port-allocator.ts";
import type { StackUpdate } from "../stacks/stack-update.ts";

/** A hostport stack's Pod: pinned to the node its leases are on, each exposed port on its host port. */
export function placeOnHostPorts(pod: V1Pod, identity: StackIdentity): V1Pod {
  const { exposure } = identity;
  if (exposure?.mode !== "hostport" || !exposure.node || !exposure.host_ports) return pod;
  return withHostPorts(pod, identity.ports, { node: exposure.node, hostPorts: exposure.host_ports });
}

/**
 * Keeps the host port leases of restored stacks (a restart, a takeover, an adopted stack): the record
 * says which node and ports each holds, so a new stack is never given them.
 */
export const adoptRestoredHostPorts =
  (hostPorts: Pick<HostPortAllocator, "adopt">) =>
  (update: StackUpdate): void => {
    if (update.kind !== "restored") return;
    const { stack } = update;
    const { exposure } = stack;
    if (exposure?.mode !== "hostport" || !exposure.node || !exposure.host_ports) return;
    const hostPortsOfStack = exposure.host_ports;
    hostPorts.adopt(
      stack.stack_id,
      exposure.node,
      stack.ports.map((port, index) => ({ protocol: port.protocol, hostPort: hostPortsOfStack[index] ?? 0 })),
    );
  };

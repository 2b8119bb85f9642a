import type { V1Pod } from "@kubernetes/client-node";
import type { StackIdentity } from "../../machines/stack.types.ts";
import { withHostPorts } from "../cluster/host-port-placement.ts";
import type { InspectionObserver } from "../inspection.ts";
import { HostPortAllocator } from "../ports/host-port-allocator.ts";
import type { StoredStack } from "../stacks/stack-record.ts";
import type { ExposureConfig } from "./exposure-config.ts";

/**
 * hostport exposure's parts: the (node, port) allocator, the placement of a hostport stack's pod on its
 * node with its host ports, and the leases learnt back from the stacks a start or a takeover restores.
 */
export function hostPortExposure(config: ExposureConfig, inspect?: InspectionObserver) {
  const allocator = new HostPortAllocator({
    min: config.hostPortMin,
    max: config.hostPortMax,
    ...(inspect ? { inspect } : {}),
  });
  return {
    allocator,

    /** The stack's pod, pinned with its host ports when its record says hostport (whatever the mode now). */
    placePod(pod: V1Pod, identity: StackIdentity): V1Pod {
      const { exposure } = identity;
      if (exposure?.mode !== "hostport" || !exposure.node || !exposure.host_ports) return pod;
      return withHostPorts(pod, identity.ports, { node: exposure.node, hostPorts: exposure.host_ports });
    },

    /** Leases back to each restored hostport stack the (node, host ports) its record keeps. */
    adoptStacks(stacks: readonly StoredStack[]): void {
      for (const stack of stacks) {
        const { exposure } = stack;
        if (exposure?.mode !== "hostport" || !exposure.node || !exposure.host_ports) continue;
        const hostPorts = exposure.host_ports;
        allocator.adopt(
          stack.stack_id,
          exposure.node,
          stack.ports.map((port, index) => ({
            protocol: port.protocol,
            hostPort: hostPorts[index] as number,
          })),
        );
      }
    },
  };
}

export type HostPortExposure = ReturnType<typeof hostPortExposure>;

import type { V1Pod, V1Service } from "@kubernetes/client-node";
import type { HostPortExposure } from "../exposure/host-port-exposure.ts";
import type { Logger } from "../log/logger.ts";
import type { PortAllocator } from "../ports/port-allocator.ts";
import type { StackActors } from "../stacks/stack-actors.ts";
import { leasesOf } from "../stacks/stack-record.ts";
import { type NodeLookup, podStateOf, stackFromService } from "./cluster-records.ts";

export interface StackAdoptionParts {
  actors: Pick<StackActors, "restore" | "finishedRecently">;
  ports: Pick<PortAllocator, "adopt">;
  /** hostport stacks' (node, host port) leases. */
  hostPorts?: Pick<HostPortExposure, "adoptStacks">;
  nodes: NodeLookup;
  logger: Logger;
  now?: () => number;
}

/**
 * Makes a stack of this process out of a Service it did not create: a stack another writer committed
 * (its Service carries the record), say a leader that acknowledged creates before it noticed it had lost
 * its Lease. Such a stack was acknowledged to a client, so it is judged by its record and adopted, never
 * swept as an orphan. A Service with no record, or of a stack that just ended here, is not adopted.
 */
export function stackAdoption({
  actors,
  ports,
  hostPorts,
  nodes,
  logger,
  now = Date.now,
}: StackAdoptionParts) {
  return (service: V1Service, pod: V1Pod | undefined): boolean => {
    const stack = stackFromService(service, pod ? podStateOf(pod, nodes) : undefined, now());
    if (!stack || actors.finishedRecently(stack.stack_id)) return false;
    ports.adopt(
      stack.stack_id,
      leasesOf([stack])
        .map((lease) => lease.port)
        .filter((port) => port > 0),
    );
    hostPorts?.adoptStacks([stack]);
    actors.restore([stack], [stack]);
    logger.info("adopted a stack that another writer committed", {
      stackId: stack.stack_id,
      status: stack.status,
    });
    return true;
  };
}

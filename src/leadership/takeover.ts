import type { ClusterView } from "../cluster/cluster-view.ts";
import type { HostPortExposure } from "../exposure/host-port-exposure.ts";
import type { PortAllocator } from "../ports/port-allocator.ts";
import type { StackActors } from "../stacks/stack-actors.ts";
import { leasesOf } from "../stacks/stack-record.ts";
import type { StackStore } from "../store/stack-store.ts";

export interface TakeoverParts {
  view: Pick<ClusterView, "stacks" | "podStates">;
  store: Pick<StackStore, "replaceAll">;
  ports: Pick<PortAllocator, "sync" | "learnClusterPorts">;
  /** hostport stacks' (node, host port) leases, learnt back from their records. */
  hostPorts: Pick<HostPortExposure, "adoptStacks">;
  actors: Pick<StackActors, "restore" | "podChanged" | "nodeDeleted" | "requestDelete">;
  /** Every nodePort in use in the cluster (a list of all Services). */
  clusterNodePorts: () => Promise<number[]>;
  /** The cluster-wide list failed: creates still work, since the API server refuses a taken port (422). */
  onClusterPortsFailed: (error: unknown) => void;
}

/** How long each step of a takeover took, in ms, for the log. */
export interface TakeoverTimings {
  view: number;
  store: number;
  ports: number;
  actors: number;
  pods: number;
}

/**
 * A new leader's actors, built from its cluster view (every stack whose Service holds a record) and
 * not from SQLite, which becomes a copy of the view. Each actor gets its Pod's current state, and
 * stacks whose Service was already being deleted finish their teardown. Answers how many stacks it
 * took and how long each step took.
 */
export function takeOverFromView(
  { view, store, ports, hostPorts, actors, clusterNodePorts, onClusterPortsFailed }: TakeoverParts,
  now: () => number = () => performance.now(),
): { stacks: number; timings: TakeoverTimings } {
  let mark = now();
  const lap = () => {
    const at = now();
    const ms = Math.round(at - mark);
    mark = at;
    return ms;
  };
  const current = view.stacks();
  const viewMs = lap();
  store.replaceAll(current);
  const storeMs = lap();
  // The stacks' own ports at once; the rest of the cluster's (a list of every Service, seconds at
  // 10,000) after the takeover, so that it never delays the first create. Meanwhile a create that picks
  // a port another Service holds gets a 422 and takes the next free one.
  ports.sync([], leasesOf(current));
  ports.learnClusterPorts(clusterNodePorts()).catch(onClusterPortsFailed);
  hostPorts.adoptStacks(current);
  const portsMs = lap();
  actors.restore(current);
  const actorsMs = lap();
  for (const [stackId, state] of view.podStates()) {
    actors.podChanged(stackId, state.facts, state.nodePublicIp);
    if (state.nodeDeleted && state.facts.nodeName) actors.nodeDeleted(state.facts.nodeName);
  }
  for (const stack of current)
    if (stack.status === "stopped" && stack.status_reason === "deleted") actors.requestDelete(stack.stack_id);
  const podsMs = lap();
  return {
    stacks: current.length,
    timings: { view: viewMs, store: storeMs, ports: portsMs, actors: actorsMs, pods: podsMs },
  };
}

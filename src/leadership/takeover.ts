import type { PortAllocator } from "../ports/port-allocator.ts";
import type { ClusterView } from "../stacks/cluster-view.ts";
import type { StackActors } from "../stacks/stack-actors.ts";
import { leasesOf } from "../stacks/stack-record.ts";
import type { StackStore } from "../store/stack-store.ts";

export interface TakeoverParts {
  view: Pick<ClusterView, "stacks" | "podStates">;
  store: Pick<StackStore, "replaceAll">;
  ports: Pick<PortAllocator, "sync">;
  actors: Pick<StackActors, "restore" | "podChanged" | "nodeDeleted" | "requestDelete">;
  /** Every nodePort in use in the cluster (a list of all Services). */
  clusterNodePorts: () => Promise<number[]>;
}

/**
 * A new leader's actors, built from its cluster view (every stack whose Service holds a record) and
 * not from SQLite, which becomes a copy of the view. Each actor gets its Pod's current state, and
 * stacks whose Service was already being deleted finish their teardown. Answers how many stacks it took.
 */
export async function takeOverFromView({
  view,
  store,
  ports,
  actors,
  clusterNodePorts,
}: TakeoverParts): Promise<number> {
  const current = view.stacks();
  store.replaceAll(current);
  ports.sync(await clusterNodePorts(), leasesOf(current));
  actors.restore(current);
  for (const [stackId, state] of view.podStates()) {
    actors.podChanged(stackId, state.facts, state.nodePublicIp);
    if (state.nodeDeleted && state.facts.nodeName) actors.nodeDeleted(state.facts.nodeName);
  }
  for (const stack of current)
    if (stack.status === "stopped" && stack.status_reason === "deleted") actors.requestDelete(stack.stack_id);
  return current.length;
}

import type { KubeClient } from "../kube/client.ts";
import type { Logger } from "../log/logger.ts";
import type { PortAllocator } from "../ports/port-allocator.ts";
import type { StackStore } from "../store/stack-store.ts";
import { adoptFromCluster } from "./cluster-adoption.ts";
import type { InstanceLists } from "./cluster-sync.ts";
import type { StackActors } from "./stack-actors.ts";
import { leasesOf } from "./stack-record.ts";

/** At most this many stack ids in one log line (a lost database can mean 10,000 of them). */
const loggedIds = 20;

export interface RestoreAloneParts {
  kube: KubeClient;
  namespace: string;
  instance: string;
  store: StackStore;
  ports: Pick<PortAllocator, "sync" | "markTaken">;
  actors: Pick<StackActors, "restore">;
  logger: Logger;
  /** Every nodePort in use in the cluster (a list of all Services). */
  clusterNodePorts: () => Promise<number[]>;
}

/**
 * A single stackd's start (no leader election): the stored stacks, plus those the cluster holds and
 * the database lost (rebuilt from their Services), become actors again. Answers how many, and the
 * instance's lists it read, for the watches to begin from.
 */
export async function restoreAlone(
  parts: RestoreAloneParts,
): Promise<{ stacks: number; lists: InstanceLists }> {
  const { store, logger } = parts;
  // Started first, with its failure handled at once (it may fail while the lists below still run).
  const clusterPorts = parts.clusterNodePorts().catch((error: unknown) => {
    logger.warn("cannot list the cluster's NodePorts; a create that picks a taken one retries", { error });
    return [];
  });
  const loaded = store.load();
  if (loaded.unreadable.length > 0)
    logger.warn("skipping stored stacks that no longer match the schema", { unreadable: loaded.unreadable });
  // The cluster is the durable truth: stacks whose records the database lost come back from their Services.
  const { adopted, lists } = await adoptFromCluster(
    parts.kube,
    parts.namespace,
    parts.instance,
    loaded.stacks,
  );
  if (adopted.length > 0) {
    logger.warn("rebuilt stacks the database did not know from the cluster", {
      count: adopted.length,
      stacks: adopted.slice(0, loggedIds).map((stack) => stack.stack_id),
    });
    store.saveAll(adopted);
  }
  const stacks = [...loaded.stacks, ...adopted];
  // As at a takeover: the stacks' own ports now, the rest of the cluster's when its list of every
  // Service lands (a create meanwhile that picks a taken port gets a 422 and takes the next free one).
  parts.ports.sync([], leasesOf(stacks));
  void clusterPorts.then((taken) => parts.ports.markTaken(taken));
  parts.actors.restore(stacks);
  return { stacks: stacks.length, lists };
}

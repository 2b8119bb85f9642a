import type { KubeClient } from "../kube/client.ts";
import type { Logger } from "../log/logger.ts";
import type { PortAllocator } from "../ports/port-allocator.ts";
import type { StackStore } from "../store/stack-store.ts";
import { adoptFromCluster } from "./cluster-adoption.ts";
import type { StackActors } from "./stack-actors.ts";
import { leasesOf } from "./stack-record.ts";

export interface RestoreAloneParts {
  kube: KubeClient;
  namespace: string;
  instance: string;
  store: StackStore;
  ports: Pick<PortAllocator, "sync">;
  actors: Pick<StackActors, "restore">;
  logger: Logger;
  /** Every nodePort in use in the cluster (a list of all Services). */
  clusterNodePorts: () => Promise<number[]>;
}

/**
 * A single stackd's start (no leader election): the stored stacks, plus those the cluster holds and
 * the database lost (rebuilt from their Services), become actors again. Answers how many.
 */
export async function restoreAlone(parts: RestoreAloneParts): Promise<number> {
  const { store, logger } = parts;
  const loaded = store.load();
  if (loaded.unreadable.length > 0)
    logger.warn("skipping stored stacks that no longer match the schema", { unreadable: loaded.unreadable });
  // The cluster is the durable truth: stacks whose records the database lost come back from their Services.
  const adopted = await adoptFromCluster(parts.kube, parts.namespace, parts.instance, loaded.stacks);
  if (adopted.length > 0) {
    logger.warn("rebuilt stacks the database did not know from the cluster", {
      stacks: adopted.map((stack) => stack.stack_id),
    });
    for (const stack of adopted) store.save(stack);
  }
  const stacks = [...loaded.stacks, ...adopted];
  parts.ports.sync(await parts.clusterNodePorts(), leasesOf(stacks));
  parts.actors.restore(stacks);
  return stacks.length;
}

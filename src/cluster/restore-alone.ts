import type { HostPortExposure } from "../exposure/host-port-exposure.ts";
import type { Logger } from "../log/logger.ts";
import type { PortAllocator } from "../ports/port-allocator.ts";
import type { StackActors } from "../stacks/stack-actors.ts";
import { leasesOf } from "../stacks/stack-record.ts";
import type { StackStore } from "../store/stack-store.ts";
import { adoptFromCluster } from "./cluster-adoption.ts";
import type { InstanceLists } from "./instance-lists.ts";

/** At most this many stack ids in one log line (a lost database can mean 10,000 of them). */
const loggedIds = 20;

export interface RestoreAloneParts {
  /** The instance's lists, started as early as the process could (see readInstanceLists). */
  lists: Promise<InstanceLists>;
  instance: string;
  store: StackStore;
  ports: Pick<PortAllocator, "sync">;
  /** hostport stacks' (node, host port) leases, learnt back from their records. */
  hostPorts: Pick<HostPortExposure, "adoptStacks">;
  actors: Pick<StackActors, "restore">;
  logger: Logger;
}

/** How long each step of a restore took, in ms (logged by the ready line). */
export interface RestoreTimings {
  /** Waiting for the instance's lists once everything else was ready. */
  listsWait: number;
  /** Rebuilding the records the database lacked from the lists (they are saved in the background). */
  adopt: number;
  actors: number;
}

/**
 * A single stackd's start (no leader election): the stored stacks, plus those the cluster holds and
 * the database lost (rebuilt from their Services), become actors again. Answers how many, and the
 * instance's lists, for the watches to begin from.
 */
export async function restoreAlone(
  parts: RestoreAloneParts,
): Promise<{ stacks: number; lists: InstanceLists; timings: RestoreTimings }> {
  const { store, logger } = parts;
  const loaded = store.load();
  if (loaded.unreadable.length > 0)
    logger.warn("skipping stored stacks that no longer match the schema", { unreadable: loaded.unreadable });
  const waitStarted = performance.now();
  const lists = await parts.lists;
  const adoptStarted = performance.now();
  // The cluster is the durable truth: stacks whose records the database lost come back from their Services.
  const adopted = adoptFromCluster(lists, parts.instance, loaded.stacks);
  if (adopted.length > 0) {
    logger.warn("rebuilt stacks the database did not know from the cluster", {
      count: adopted.length,
      stacks: adopted.slice(0, loggedIds).map((stack) => stack.stack_id),
    });
  }
  const stacks = [...loaded.stacks, ...adopted];
  // As at a takeover: the stacks' own ports now, the rest of the cluster's once the start is done (the
  // caller lists every Service then; a create meanwhile that picks a taken port gets a 422 and takes
  // the next free one).
  parts.ports.sync([], leasesOf(stacks));
  parts.hostPorts.adoptStacks(stacks);
  const actorsStarted = performance.now();
  parts.actors.restore(stacks, adopted);
  const timings = {
    listsWait: Math.round(adoptStarted - waitStarted),
    adopt: Math.round(actorsStarted - adoptStarted),
    actors: Math.round(performance.now() - actorsStarted),
  };
  return { stacks: stacks.length, lists, timings };
}

import type { StoredStack } from "../stacks/stack-record.ts";
import { stacksFromCluster } from "./cluster-records.ts";
import type { InstanceLists } from "./instance-lists.ts";
import { ownedByInstance } from "./instance-scope.ts";
import { NodeDirectory } from "./node-directory.ts";

/**
 * The stacks of this instance that the cluster holds and the database does not: read from the
 * Services' record annotations, the Pods and the Nodes of the lists a start read.
 */
export function adoptFromCluster(
  lists: InstanceLists,
  instance: string,
  known: StoredStack[],
): StoredStack[] {
  const directory = new NodeDirectory();
  directory.sync(lists.nodes.items);
  return stacksFromCluster(
    lists.services.items.filter((service) => ownedByInstance(instance, service)),
    lists.pods.items.filter((pod) => ownedByInstance(instance, pod)),
    new Set(known.map((stack) => stack.stack_id)),
    Date.now(),
    directory,
  );
}

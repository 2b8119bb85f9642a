import type { KubeClient } from "../kube/client.ts";
import { stacksFromCluster } from "./cluster-records.ts";
import { instanceSelector, ownedByInstance } from "./instance-scope.ts";
import { NodeDirectory } from "./node-directory.ts";
import type { StoredStack } from "./stack-record.ts";

/**
 * The stacks of this instance that the cluster holds and the database does not: read from the
 * Services' record annotations, the Pods and the Nodes. Called once at start, before the actors.
 */
export async function adoptFromCluster(
  kube: KubeClient,
  namespace: string,
  instance: string,
  known: StoredStack[],
): Promise<StoredStack[]> {
  const labelSelector = instanceSelector(instance);
  const [services, pods, nodes] = await Promise.all([
    kube.core.listNamespacedService({ namespace, labelSelector }),
    kube.core.listNamespacedPod({ namespace, labelSelector }),
    kube.core.listNode(),
  ]);
  const directory = new NodeDirectory();
  directory.sync(nodes.items);
  return stacksFromCluster(
    services.items.filter((service) => ownedByInstance(instance, service)),
    pods.items.filter((pod) => ownedByInstance(instance, pod)),
    new Set(known.map((stack) => stack.stack_id)),
    Date.now(),
    directory,
  );
}

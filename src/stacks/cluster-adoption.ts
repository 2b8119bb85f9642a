import type { V1Node, V1Pod, V1Service } from "@kubernetes/client-node";
import type { KubeClient } from "../kube/client.ts";
import type { InitialList } from "../kube/watch.ts";
import { stacksFromCluster } from "./cluster-records.ts";
import type { InstanceLists } from "./cluster-sync.ts";
import { instanceSelector, ownedByInstance } from "./instance-scope.ts";
import { NodeDirectory } from "./node-directory.ts";
import type { StoredStack } from "./stack-record.ts";

/**
 * The stacks of this instance that the cluster holds and the database does not: read from the
 * Services' record annotations, the Pods and the Nodes. Called once at start, before the actors; the
 * lists it read are handed to the watches, which begin from them instead of reading them again.
 */
export async function adoptFromCluster(
  kube: KubeClient,
  namespace: string,
  instance: string,
  known: StoredStack[],
): Promise<{ adopted: StoredStack[]; lists: InstanceLists }> {
  const labelSelector = instanceSelector(instance);
  // Plain JSON lists, as the watches get them: client-node's typed lists spend about half a second
  // converting 10,000 Pods into its model classes, which nothing here needs.
  const list = async <T>(path: string, query: Record<string, string> = {}): Promise<InitialList<T>> => {
    const answer = await kube.transport.send<{ items: T[]; metadata: { resourceVersion: string } }>(
      "GET",
      path,
      { query },
    );
    return { items: answer.items, resourceVersion: answer.metadata.resourceVersion };
  };
  const [services, pods, nodes] = await Promise.all([
    list<V1Service>(`/api/v1/namespaces/${namespace}/services`, { labelSelector }),
    list<V1Pod>(`/api/v1/namespaces/${namespace}/pods`, { labelSelector }),
    list<V1Node>("/api/v1/nodes"),
  ]);
  const directory = new NodeDirectory();
  directory.sync(nodes.items);
  const adopted = stacksFromCluster(
    services.items.filter((service) => ownedByInstance(instance, service)),
    pods.items.filter((pod) => ownedByInstance(instance, pod)),
    new Set(known.map((stack) => stack.stack_id)),
    Date.now(),
    directory,
  );
  return { adopted, lists: { nodes, pods, services } };
}

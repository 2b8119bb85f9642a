import type { V1Node, V1Pod, V1Service } from "@kubernetes/client-node";
import type { KubeClient } from "../kube/client.ts";
import { type InitialList, listCollection } from "../kube/watch.ts";
import { instanceSelector } from "./instance-scope.ts";

/** The instance's collections as a start listed them: its restore reads them, and its watches begin from them. */
export interface InstanceLists {
  nodes: InitialList<V1Node>;
  pods: InitialList<V1Pod>;
  services: InitialList<V1Service>;
}

/**
 * Lists the instance's Services and Pods and every Node, as plain JSON (client-node's typed lists spend
 * about half a second converting 10,000 Pods into model classes that nothing here needs). A single
 * stackd starts this first of all, before most of its code is even loaded: the API server takes most
 * of a second to answer for 10,000 stacks, and the rest of the start fits in that time.
 */
export async function readInstanceLists(
  kube: KubeClient,
  namespace: string,
  instance: string,
): Promise<InstanceLists> {
  const labelSelector = instanceSelector(instance);
  const [services, pods, nodes] = await Promise.all([
    listCollection<V1Service>(kube.transport, `/api/v1/namespaces/${namespace}/services`, { labelSelector }),
    listCollection<V1Pod>(kube.transport, `/api/v1/namespaces/${namespace}/pods`, { labelSelector }),
    listCollection<V1Node>(kube.transport, "/api/v1/nodes"),
  ]);
  return { nodes, pods, services };
}

/** The lists started now, their failure reported to whoever awaits them (never as an unhandled rejection). */
export function startReadingInstanceLists(
  kube: KubeClient,
  namespace: string,
  instance: string,
): Promise<InstanceLists> {
  const lists = readInstanceLists(kube, namespace, instance);
  lists.catch(() => {});
  return lists;
}

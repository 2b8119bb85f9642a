import type { V1Node } from "@kubernetes/client-node";
import type { KubeClient } from "../kube/client.ts";
import { stacksFromCluster } from "./cluster-records.ts";
import { instanceSelector, ownedByInstance } from "./instance-scope.ts";
import type { StoredStack } from "./stack-record.ts";

const externalIpOf = (node: V1Node | undefined) =>
  node?.status?.addresses?.find((address) => address.type === "ExternalIP")?.address ?? null;

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
  const [services, pods] = await Promise.all([
    kube.core.listNamespacedService({ namespace, labelSelector }),
    kube.core.listNamespacedPod({ namespace, labelSelector }),
  ]);
  const adopted = stacksFromCluster(
    services.items.filter((service) => ownedByInstance(instance, service)),
    pods.items.filter((pod) => ownedByInstance(instance, pod)),
    new Set(known.map((stack) => stack.stack_id)),
    Date.now(),
  );
  if (adopted.some((stack) => stack.node_id !== "")) {
    const nodes = await kube.core.listNode();
    const byName = new Map(nodes.items.map((node) => [node.metadata?.name, node]));
    for (const stack of adopted) stack.node_public_ip = externalIpOf(byName.get(stack.node_id));
  }
  return adopted;
}

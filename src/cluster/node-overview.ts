import type { V1Node } from "@kubernetes/client-node";
import type { KubeTransport } from "../kube/transport.ts";
import type { NodeHostPortStats } from "../ports/host-port-allocator.ts";

type PerProtocol = NodeHostPortStats["free"];

/** One node of the stack role, as the console's nodes view shows it. */
export interface NodeSummary {
  name: string;
  external_ip: string | null;
  ready: boolean;
  unschedulable: boolean;
  capacity: { cpu: string; memory: string };
  allocatable: { cpu: string; memory: string };
  /** Stacks that hold resources there (creating or running). */
  stacks: number;
  /** STACK_EXPOSURE=hostport: the node's free host ports of the range; null in the other modes. */
  free_host_ports: PerProtocol | null;
}

export interface NodeOverview {
  exposure: string;
  /** Free NodePorts of the range, cluster-wide (NodePorts are on every node); null in hostport mode. */
  free_node_ports: number | null;
  nodes: NodeSummary[];
}

export interface NodeOverviewSources {
  transport: KubeTransport;
  nodeRole: string;
  exposure: string;
  /** Active stacks by node name (`GET /stats`'s node_distribution). */
  stacksByNode: () => Record<string, number>;
  freeNodePorts: () => number;
  hostPorts: () => NodeHostPortStats[];
}

const resourcesOf = (values: Record<string, string> | undefined) => ({
  cpu: values?.cpu ?? "0",
  memory: values?.memory ?? "0",
});

/** The nodes of the stack role, read from the cluster now, with stackd's own counts of stacks and ports. */
export async function nodeOverview(sources: NodeOverviewSources): Promise<NodeOverview> {
  const list = await sources.transport.send<{ items?: V1Node[] }>("GET", "/api/v1/nodes", {
    query: { labelSelector: `role=${sources.nodeRole}` },
  });
  const hostport = sources.exposure === "hostport";
  const stacks = sources.stacksByNode();
  const freeHostPorts = new Map(sources.hostPorts().map((node) => [node.node, node.free]));
  const nodes = (list.items ?? []).map((node): NodeSummary => {
    const name = node.metadata?.name ?? "";
    const addresses = node.status?.addresses ?? [];
    return {
      name,
      external_ip: addresses.find((address) => address.type === "ExternalIP")?.address ?? null,
      ready: (node.status?.conditions ?? []).some(
        (condition) => condition.type === "Ready" && condition.status === "True",
      ),
      unschedulable: node.spec?.unschedulable === true,
      capacity: resourcesOf(node.status?.capacity),
      allocatable: resourcesOf(node.status?.allocatable),
      stacks: stacks[name] ?? 0,
      free_host_ports: hostport ? (freeHostPorts.get(name) ?? null) : null,
    };
  });
  nodes.sort((a, b) => a.name.localeCompare(b.name));
  return { exposure: sources.exposure, free_node_ports: hostport ? null : sources.freeNodePorts(), nodes };
}

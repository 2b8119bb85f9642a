import type { ApiClient } from "./api-client.ts";

const byId = (id: string) => document.getElementById(id) as HTMLElement;

interface NodeSummary {
  name: string;
  external_ip: string | null;
  ready: boolean;
  unschedulable: boolean;
  capacity: { cpu: string; memory: string };
  allocatable: { cpu: string; memory: string };
  stacks: number;
  free_host_ports: { TCP: number; UDP: number } | null;
}

/** The stack nodes from `GET /nodes`: capacity, stacks, and the free NodePorts or host ports. */
export class NodesPanel {
  #api: ApiClient;

  constructor(api: ApiClient) {
    this.#api = api;
    byId("nodes-refresh").onclick = () => void this.refresh();
  }

  async refresh(): Promise<void> {
    const answer = await this.#api.call("GET", "/nodes");
    const rows = byId("nodes-rows");
    if (answer.status !== 200) {
      byId("nodes-ports").textContent = answer.status === 404 ? "this stackd has no nodes view" : "";
      return;
    }
    const { nodes, free_node_ports: freeNodePorts } = answer.body as {
      nodes: NodeSummary[];
      free_node_ports: number | null;
    };
    byId("nodes-ports").textContent =
      freeNodePorts === null ? "host ports, per node" : `${freeNodePorts} free NodePorts (cluster-wide)`;
    rows.replaceChildren(
      ...nodes.map((node) => {
        const row = document.createElement("tr");
        row.dataset.node = node.name;
        const state = !node.ready ? "not ready" : node.unschedulable ? "cordoned" : "ready";
        const ports = node.free_host_ports
          ? `${node.free_host_ports.TCP} TCP / ${node.free_host_ports.UDP} UDP`
          : "–";
        const cells = [
          node.name,
          node.external_ip ?? "none",
          state,
          `${node.allocatable.cpu} / ${node.capacity.cpu}`,
          `${node.allocatable.memory} / ${node.capacity.memory}`,
          String(node.stacks),
          ports,
        ];
        row.append(
          ...cells.map((text) => {
            const cell = document.createElement("td");
            cell.textContent = text;
            return cell;
          }),
        );
        return row;
      }),
    );
  }
}

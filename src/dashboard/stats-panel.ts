import type { ApiClient } from "./api-client.ts";

const byId = (id: string) => document.getElementById(id) as HTMLElement;
const refreshDelayMs = 300;

/** The cluster figures and the stacks-per-node chart from `GET /stats`; clicking a node's bar calls `onNode`. */
export class StatsPanel {
  #api: ApiClient;
  #onNode: (node: string) => void;
  #soon: ReturnType<typeof setTimeout> | undefined;

  constructor(api: ApiClient, onNode: (node: string) => void) {
    this.#api = api;
    this.#onNode = onNode;
  }

  /** Refreshes shortly, once for a burst of changes. */
  refreshSoon(): void {
    clearTimeout(this.#soon);
    this.#soon = setTimeout(() => void this.refresh(), refreshDelayMs);
  }

  async refresh(): Promise<void> {
    const answer = await this.#api.call("GET", "/stats");
    if (answer.status !== 200) return;
    const stats = answer.body;
    byId("stat-total").textContent = String(stats.total_stacks);
    byId("stat-active").textContent = String(stats.active_stacks);
    byId("stat-ports").textContent = String(stats.used_node_ports);
    byId("stat-cpu").textContent = `${stats.reserved_cpu_milli}m`;
    byId("stat-memory").textContent = `${Math.round(stats.reserved_memory_bytes / 1048576)}Mi`;
    this.#drawChart(Object.entries(stats.node_distribution as Record<string, number>).sort());
  }

  #drawChart(entries: Array<[string, number]>): void {
    const chart = byId("node-chart");
    chart.replaceChildren();
    const max = Math.max(1, ...entries.map(([, count]) => count));
    for (const [node, count] of entries) {
      const row = document.createElement("button");
      row.type = "button";
      row.className = "bar";
      row.dataset.node = node;
      row.title = `show only the stacks on ${node}`;
      row.onclick = () => this.#onNode(node);
      const name = document.createElement("span");
      name.textContent = node;
      const track = document.createElement("div");
      const fill = document.createElement("div");
      fill.className = "fill";
      fill.style.width = `${(100 * count) / max}%`;
      track.append(fill);
      const value = document.createElement("span");
      value.textContent = String(count);
      row.append(name, track, value);
      chart.append(row);
    }
    if (entries.length === 0) chart.textContent = "No stack holds a node right now.";
  }
}

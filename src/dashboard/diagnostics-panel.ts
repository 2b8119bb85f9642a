import { type ApiClient, errorText } from "./api-client.ts";

const byId = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

interface PodEvent {
  type: string;
  reason: string;
  message: string;
  count: number;
  last_time: string | null;
}

/**
 * What explains a stack's state: its Pod's Events (`GET /stacks/{id}/events`) and a container's last
 * log lines (`GET /stacks/{id}/logs`), loaded when the stack is shown and again on Refresh.
 */
export class DiagnosticsPanel {
  #api: ApiClient;
  #stackId: string | undefined;

  constructor(api: ApiClient) {
    this.#api = api;
    byId("diagnostics-refresh").onclick = () => void this.load();
    byId<HTMLSelectElement>("logs-container").onchange = () => void this.#loadLogs();
  }

  /** Shows a stack's events and logs (or clears them). */
  show(stackId: string | undefined): void {
    this.#stackId = stackId;
    byId<HTMLSelectElement>("logs-container").replaceChildren();
    void this.load();
  }

  /** Loads both again. */
  async load(): Promise<void> {
    await Promise.all([this.#loadEvents(), this.#loadLogs()]);
  }

  async #loadEvents(): Promise<void> {
    const stackId = this.#stackId;
    const list = byId("details-events");
    list.replaceChildren();
    if (!stackId) return;
    const answer = await this.#api.call("GET", `/stacks/${encodeURIComponent(stackId)}/events`);
    if (this.#stackId !== stackId) return;
    const events: PodEvent[] = answer.status === 200 ? answer.body.events : [];
    const lines =
      answer.status !== 200
        ? [`cannot load the events: ${errorText(answer)}`]
        : events.length === 0
          ? ["no events"]
          : [];
    for (const event of events) {
      const item = document.createElement("li");
      item.className = event.type === "Warning" ? "event-warning" : "event-normal";
      const times = event.count > 1 ? ` (x${event.count})` : "";
      item.textContent = `${event.last_time ?? ""} ${event.type} ${event.reason}${times}: ${event.message}`;
      list.append(item);
    }
    for (const line of lines) {
      const item = document.createElement("li");
      item.textContent = line;
      list.append(item);
    }
  }

  async #loadLogs(): Promise<void> {
    const stackId = this.#stackId;
    const output = byId("details-logs");
    if (!stackId) {
      output.textContent = "";
      return;
    }
    const chooser = byId<HTMLSelectElement>("logs-container");
    const container = chooser.value ? `&container=${encodeURIComponent(chooser.value)}` : "";
    const answer = await this.#api.call(
      "GET",
      `/stacks/${encodeURIComponent(stackId)}/logs?tail=100${container}`,
    );
    if (this.#stackId !== stackId) return;
    if (answer.status !== 200) {
      output.textContent = `no logs: ${errorText(answer)}`;
      return;
    }
    const {
      containers,
      container: shown,
      lines,
    } = answer.body as {
      containers: string[];
      container: string;
      lines: string[];
    };
    if (chooser.options.length !== containers.length)
      chooser.replaceChildren(...containers.map((name) => new Option(name, name, false, name === shown)));
    output.textContent = lines.length > 0 ? lines.join("\n") : "(no lines)";
  }
}

import { type ApiClient, errorText, routeMissing } from "./api-client.ts";
import { DiagnosticsPanel } from "./diagnostics-panel.ts";
import { addressOf, connectLinesOf, portsOf, remainingOf } from "./format.ts";
import type { StackStore } from "./stack-store.ts";

const byId = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

/**
 * One stack's details: the summary fields from the stream at once, the whole record (pod spec) loaded on
 * demand with `GET /stacks/{id}`, its Pod's events and logs, and the TTL extension (`POST /stacks/{id}/extend`).
 */
export class DetailsPanel {
  #api: ApiClient;
  #store: StackStore;
  #stackId: string | undefined;
  #shownVersion = -1;
  #extendSupported = true;
  #changed: () => void;
  #diagnostics: DiagnosticsPanel;

  /** `changed` is told when the panel changed a stack in the store (an extended TTL). */
  constructor(api: ApiClient, store: StackStore, changed: () => void) {
    this.#api = api;
    this.#store = store;
    this.#changed = changed;
    this.#diagnostics = new DiagnosticsPanel(api);
    byId("copy-address").onclick = () => this.#copyAddress();
    byId("extend-form").onsubmit = (event) => {
      event.preventDefault();
      void this.#extend();
    };
  }

  get stackId(): string | undefined {
    return this.#stackId;
  }

  /** Shows a stack (or hides the panel) and loads its whole record. */
  show(stackId: string | undefined): void {
    this.#stackId = stackId;
    this.#shownVersion = -1;
    byId("extend-result").textContent = "";
    byId("details-spec").textContent = stackId ? "loading…" : "";
    this.refresh();
    if (stackId) void this.#loadRecord(stackId);
    this.#diagnostics.show(stackId);
  }

  /** Redraws the fields when the stack changed since they were drawn (called once per frame). */
  refresh(): void {
    const stack = this.#stackId ? this.#store.get(this.#stackId) : undefined;
    byId("details").classList.toggle("hidden", !stack);
    if (!stack || this.#store.version(stack.stack_id) === this.#shownVersion) return;
    this.#shownVersion = this.#store.version(stack.stack_id);
    const rows: Array<[string, string, string?]> = [
      ["Stack", stack.stack_id],
      ["Status", stack.status + (stack.status_reason ? ` (${stack.status_reason})` : "")],
      ["Node", stack.node_id || "–"],
      ["Public IP", stack.node_public_ip || "none"],
      [
        "NodePort",
        portsOf(stack)
          .map((port) => String(port.node_port))
          .join(", "),
      ],
      ["Address", addressOf(stack), "detail-address"],
      [
        "Container port",
        portsOf(stack)
          .map((port) => `${port.container_port}/${port.protocol}`)
          .join(", "),
      ],
      ["TTL left", remainingOf(stack, Date.now()), "detail-ttl"],
      ["Expires", stack.ttl_expires_at, "detail-expires"],
      [
        "CPU / memory",
        `${stack.requested_cpu_milli}m / ${Math.round(stack.requested_memory_bytes / 1048576)}Mi`,
      ],
      [
        "Labels",
        Object.entries(stack.labels ?? {})
          .map(([key, value]) => `${key}=${value}`)
          .join(", ") || "none",
      ],
    ];
    const list = byId("details-list");
    list.replaceChildren();
    for (const [name, value, id] of rows) {
      const term = document.createElement("dt");
      term.textContent = name;
      const description = document.createElement("dd");
      description.textContent = value;
      if (id) description.id = id;
      list.append(term, description);
    }
    const lines = connectLinesOf(stack);
    if (lines.length > 0) list.append(...this.#connectRow(lines));
  }

  /** The "Connect" row: each line a player pastes, with a button that copies it. */
  #connectRow(lines: string[]): [HTMLElement, HTMLElement] {
    const term = document.createElement("dt");
    term.textContent = "Connect";
    const description = document.createElement("dd");
    description.id = "detail-connect";
    for (const line of lines) {
      const entry = document.createElement("div");
      entry.className = "connect-line";
      const code = document.createElement("code");
      code.textContent = line;
      const copy = document.createElement("button");
      copy.type = "button";
      copy.className = "small";
      copy.textContent = "Copy";
      copy.onclick = () => void this.#copy(line, "select the line to copy it");
      entry.append(code, " ", copy);
      description.append(entry);
    }
    return [term, description];
  }

  /** Refreshes the countdown (called every second). */
  tick(now: number): void {
    const stack = this.#stackId ? this.#store.get(this.#stackId) : undefined;
    if (stack) byId("detail-ttl").textContent = remainingOf(stack, now);
  }

  async #loadRecord(stackId: string): Promise<void> {
    const answer = await this.#api.call("GET", `/stacks/${encodeURIComponent(stackId)}`);
    if (this.#stackId !== stackId) return;
    byId("details-spec").textContent =
      answer.status === 200 && typeof answer.body?.pod_spec === "string"
        ? answer.body.pod_spec
        : `cannot load the pod spec: ${errorText(answer)}`;
  }

  async #extend(): Promise<void> {
    const stackId = this.#stackId;
    if (!stackId || !this.#extendSupported) return;
    const result = byId("extend-result");
    const ttl = byId<HTMLInputElement>("extend-ttl").value.trim();
    const button = byId<HTMLButtonElement>("extend-button");
    button.disabled = true;
    result.className = "";
    result.textContent = "extending…";
    try {
      const answer = await this.#api.call(
        "POST",
        `/stacks/${encodeURIComponent(stackId)}/extend`,
        ttl ? { ttl } : {},
      );
      if (answer.status >= 200 && answer.status < 300) {
        const expires = answer.body?.ttl_expires_at;
        if (typeof expires === "string") this.#store.patch(stackId, { ttl_expires_at: expires });
        this.#changed();
        result.textContent = typeof expires === "string" ? `extended: expires ${expires}` : "extended";
        return;
      }
      result.className = "field-error";
      if (routeMissing(answer)) {
        this.#extendSupported = false;
        result.textContent = "this stackd cannot extend a TTL (it has no extend route)";
      } else result.textContent = errorText(answer);
    } catch (error) {
      result.className = "field-error";
      result.textContent = String(error);
    } finally {
      button.disabled = !this.#extendSupported;
    }
  }

  async #copyAddress(): Promise<void> {
    const stack = this.#stackId ? this.#store.get(this.#stackId) : undefined;
    if (stack) await this.#copy(addressOf(stack), "select the address above to copy it");
  }

  /** Copies `text`, saying so (or, where the clipboard is refused, what to do instead) for a moment. */
  async #copy(text: string, otherwise: string): Promise<void> {
    try {
      await navigator.clipboard.writeText(text);
      byId("copied").textContent = "copied";
    } catch {
      byId("copied").textContent = otherwise;
    }
    setTimeout(() => {
      byId("copied").textContent = "";
    }, 1500);
  }
}

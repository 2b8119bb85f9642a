import { addressOf, clockOf, labelsText, remainingOf } from "./format.ts";
import type { StackStore } from "./stack-store.ts";
import type { RowRenderer } from "./virtual-list.ts";

/** Each row's cells, left to right; the header uses the same classes so that columns line up. */
const cellClasses = [
  "c-select",
  "c-id",
  "c-status",
  "c-reason",
  "c-labels",
  "c-node",
  "c-address",
  "c-created",
  "c-ttl",
  "c-actions",
];

const setText = (element: Element | null, text: string) => {
  if (element && element.textContent !== text) element.textContent = text;
};

function createStackRow(stackId: string): HTMLElement {
  const row = document.createElement("div");
  row.className = "stack row";
  row.dataset.stackId = stackId;
  for (const cellClass of cellClasses) {
    const cell = document.createElement("span");
    cell.className = cellClass;
    row.append(cell);
  }
  const checkbox = document.createElement("input");
  checkbox.type = "checkbox";
  checkbox.dataset.action = "select";
  checkbox.setAttribute("aria-label", `select ${stackId}`);
  row.querySelector(".c-select")?.append(checkbox);
  const badge = document.createElement("span");
  badge.className = "status";
  row.querySelector(".c-status")?.append(badge);
  const remove = document.createElement("button");
  remove.type = "button";
  remove.className = "danger";
  remove.dataset.action = "delete";
  remove.textContent = "Delete";
  row.querySelector(".c-actions")?.append(remove);
  return row;
}

function createNodeHeading(node: string): HTMLElement {
  const heading = document.createElement("div");
  heading.className = "node-group row";
  heading.dataset.node = node;
  return heading;
}

function fillStackRow(row: HTMLElement, store: StackStore, stackId: string): void {
  const stack = store.get(stackId);
  if (!stack) return;
  const cell = (name: string) => row.querySelector(`.${name}`);
  const checkbox = row.querySelector<HTMLInputElement>("input[data-action=select]");
  if (checkbox) checkbox.checked = store.isSelected(stackId);
  row.classList.toggle("checked", store.isSelected(stackId));
  setText(cell("c-id"), stackId);
  const badge = row.querySelector(".status");
  if (badge) badge.className = `status ${stack.status}`;
  setText(badge, stack.status);
  const deleteError = store.deleteErrorOf(stackId);
  const reason = cell("c-reason");
  setText(reason, deleteError ? `delete failed: ${deleteError}` : (stack.status_reason ?? ""));
  reason?.classList.toggle("error", deleteError !== undefined);
  reason?.setAttribute("title", reason.textContent ?? "");
  const labels = labelsText(stack);
  setText(cell("c-labels"), labels);
  cell("c-labels")?.setAttribute("title", labels);
  setText(cell("c-node"), stack.node_id || "–");
  setText(cell("c-address"), addressOf(stack));
  setText(cell("c-created"), clockOf(stack.created_at));
  setText(cell("c-ttl"), remainingOf(stack, Date.now()));
}

/** The list's rows: a stack's row filled from the store, or a node's heading with its count. */
export function stackRowRenderer(store: StackStore): RowRenderer {
  return {
    create: (item) => (item.kind === "stack" ? createStackRow(item.stackId) : createNodeHeading(item.node)),
    versionOf: (item) => (item.kind === "stack" ? store.version(item.stackId) : item.count),
    update(element, item) {
      if (item.kind === "stack") fillStackRow(element, store, item.stackId);
      else setText(element, `${item.node} · ${item.count} stack${item.count === 1 ? "" : "s"}`);
    },
  };
}

/** Refreshes the TTL countdown of a drawn stack row. */
export function tickCountdown(row: HTMLElement, store: StackStore, stackId: string, now: number): void {
  const stack = store.get(stackId);
  if (stack) setText(row.querySelector(".c-ttl"), remainingOf(stack, now));
}

import { labelsText, nodeOf, type StackSummary } from "./format.ts";

/** The columns a list can be sorted by. */
export const sortColumns = [
  "stack",
  "status",
  "reason",
  "labels",
  "node",
  "address",
  "created",
  "ttl",
] as const;
export type SortColumn = (typeof sortColumns)[number];

/** What the operator asked to see: filters, search, order, and whether stacks are grouped per node. */
export interface ViewQuery {
  /** Part of a stack id, label key or label value (case-insensitive). */
  search: string;
  /** A status, or "" for all. */
  status: string;
  /** A node name (`(unscheduled)` for none), or "" for all. */
  node: string;
  /** `key=value` or `key`, several separated by commas; a stack must match them all. */
  label: string;
  sort: SortColumn;
  descending: boolean;
  groupByNode: boolean;
}

export const defaultQuery: ViewQuery = {
  search: "",
  status: "",
  node: "",
  label: "",
  sort: "created",
  descending: true,
  groupByNode: false,
};

/** One line of the list: a stack, or the heading of a node's group. */
export type ViewItem =
  | { kind: "stack"; key: string; stackId: string }
  | { kind: "node"; key: string; node: string; count: number };

export interface StackView {
  items: ViewItem[];
  /** The ids of the stacks shown, in order. */
  stackIds: string[];
  /** Every node that holds a stack, shown or not (for the node filter). */
  nodes: string[];
}

interface LabelTerm {
  key: string;
  value: string | undefined;
}

/** `a=1, b` → `[{key: "a", value: "1"}, {key: "b", value: undefined}]`. */
export function parseLabelFilter(text: string): LabelTerm[] {
  return text
    .split(",")
    .map((term) => term.trim())
    .filter((term) => term !== "")
    .map((term) => {
      const equals = term.indexOf("=");
      return equals < 0
        ? { key: term, value: undefined }
        : { key: term.slice(0, equals).trim(), value: term.slice(equals + 1).trim() };
    });
}

function matchesLabels(stack: StackSummary, terms: LabelTerm[]): boolean {
  const labels = stack.labels ?? {};
  return terms.every(({ key, value }) =>
    value === undefined ? Object.hasOwn(labels, key) : labels[key] === value,
  );
}

function matchesSearch(stack: StackSummary, needle: string): boolean {
  if (stack.stack_id.toLowerCase().includes(needle)) return true;
  const labels = stack.labels;
  if (!labels) return false;
  for (const key in labels)
    if (key.toLowerCase().includes(needle) || String(labels[key]).toLowerCase().includes(needle)) return true;
  return false;
}

/** A function that tells whether a stack passes the query's filters and search. */
export function stackFilter(query: ViewQuery): (stack: StackSummary) => boolean {
  const needle = query.search.trim().toLowerCase();
  const terms = parseLabelFilter(query.label);
  return (stack) =>
    (query.status === "" || stack.status === query.status) &&
    (query.node === "" || nodeOf(stack) === query.node) &&
    (terms.length === 0 || matchesLabels(stack, terms)) &&
    (needle === "" || matchesSearch(stack, needle));
}

/** The value a column sorts by. */
export function sortValue(stack: StackSummary, column: SortColumn): string | number {
  switch (column) {
    case "stack":
      return stack.stack_id;
    case "status":
      return stack.status;
    case "reason":
      return stack.status_reason ?? "";
    case "labels":
      return labelsText(stack);
    case "node":
      return nodeOf(stack);
    case "address":
      return `${stack.node_public_ip ?? ""}:${String(stack.node_port).padStart(5, "0")}`;
    case "created":
      return stack.created_at;
    case "ttl":
      return stack.ttl_expires_at;
  }
}

interface Keyed {
  stack: StackSummary;
  group: string;
  value: string | number;
}

const order = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);

/** Filters, sorts and (optionally) groups the stacks per node: the list the page shows. */
export function buildView(stacks: Iterable<StackSummary>, query: ViewQuery): StackView {
  const passes = stackFilter(query);
  const nodes = new Set<string>();
  const keyed: Keyed[] = [];
  for (const stack of stacks) {
    nodes.add(nodeOf(stack));
    if (!passes(stack)) continue;
    keyed.push({ stack, group: query.groupByNode ? nodeOf(stack) : "", value: sortValue(stack, query.sort) });
  }
  const direction = query.descending ? -1 : 1;
  keyed.sort(
    (a, b) =>
      order(a.group, b.group) ||
      direction * order(a.value, b.value) ||
      order(a.stack.stack_id, b.stack.stack_id),
  );
  const items: ViewItem[] = [];
  const stackIds: string[] = [];
  let heading: { kind: "node"; key: string; node: string; count: number } | undefined;
  for (const { stack, group } of keyed) {
    if (query.groupByNode && heading?.node !== group) {
      heading = { kind: "node", key: `node:${group}`, node: group, count: 0 };
      items.push(heading);
    }
    if (heading) heading.count += 1;
    items.push({ kind: "stack", key: stack.stack_id, stackId: stack.stack_id });
    stackIds.push(stack.stack_id);
  }
  return { items, stackIds, nodes: [...nodes].sort() };
}

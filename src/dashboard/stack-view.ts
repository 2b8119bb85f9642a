import { firstAddressOf, labelsText, nodeOf, type StackSummary } from "./format.ts";

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
export function sortValue(stack: StackSummary, column: SortColumn): string {
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
    case "address": {
      const { host, port } = firstAddressOf(stack);
      return `${host}:${String(port).padStart(5, "0")}`;
    }
    case "created":
      return stack.created_at;
    case "ttl":
      return stack.ttl_expires_at;
  }
}

interface Entry {
  stackId: string;
  group: string;
  /** The sort value then the id (the tie-break), so that one string comparison orders two stacks of a group. */
  rest: string;
}

const order = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The list the page shows, kept up to date as stacks change: filtered, sorted and optionally grouped
 * per node. A change of a few stacks moves only their entries (binary search), so a burst of changes
 * at 10,000 stacks costs no full sort; a new query sorts everything once.
 */
export class StackViewModel {
  #query: ViewQuery;
  #passes: (stack: StackSummary) => boolean;
  #entries: Entry[] = [];
  /** The entry of each stack that passes the filters. */
  #entryOf = new Map<string, Entry>();
  /** How many stacks (shown or not) each node holds. */
  #nodeCounts = new Map<string, number>();
  /** The node each known stack was counted under. */
  #nodeOf = new Map<string, string>();
  #view: StackView | undefined;

  constructor(query: ViewQuery) {
    this.#query = { ...query };
    this.#passes = stackFilter(query);
  }

  get query(): ViewQuery {
    return this.#query;
  }

  /** Applies a new query to every stack: one full filter and sort. */
  rebuild(stacks: Iterable<StackSummary>, query: ViewQuery = this.#query): void {
    this.#query = { ...query };
    this.#passes = stackFilter(query);
    this.#entries = [];
    this.#entryOf.clear();
    this.#nodeCounts.clear();
    this.#nodeOf.clear();
    for (const stack of stacks) {
      this.#count(stack.stack_id, nodeOf(stack));
      if (!this.#passes(stack)) continue;
      const entry = this.#entryFor(stack);
      this.#entries.push(entry);
      this.#entryOf.set(stack.stack_id, entry);
    }
    this.#entries = this.#sorted(this.#entries);
    this.#view = undefined;
  }

  /** Moves the stacks that changed (`undefined`: gone) to their new place, leaving the others be. */
  apply(changes: Iterable<[string, StackSummary | undefined]>): void {
    for (const [stackId, stack] of changes) {
      const old = this.#entryOf.get(stackId);
      if (old) {
        this.#entries.splice(this.#position(old), 1);
        this.#entryOf.delete(stackId);
      }
      this.#count(stackId, stack ? nodeOf(stack) : undefined);
      if (!stack || !this.#passes(stack)) continue;
      const entry = this.#entryFor(stack);
      this.#entries.splice(this.#position(entry), 0, entry);
      this.#entryOf.set(stackId, entry);
    }
    this.#view = undefined;
  }

  view(): StackView {
    this.#view ??= this.#build();
    return this.#view;
  }

  #entryFor(stack: StackSummary): Entry {
    const group = this.#query.groupByNode ? nodeOf(stack) : "";
    return {
      stackId: stack.stack_id,
      group,
      rest: `${sortValue(stack, this.#query.sort)}\u0000${stack.stack_id}`,
    };
  }

  /** Groups ascending, then the value (and id) in the query's direction. */
  #compare(a: Entry, b: Entry): number {
    return order(a.group, b.group) || (this.#query.descending ? -1 : 1) * order(a.rest, b.rest);
  }

  /**
   * The entries in `#compare`'s order, sorted as strings by the engine's own sort (no comparison function,
   * which a cold page would run 100,000 times in its interpreter), each group's run then reversed if descending.
   */
  #sorted(entries: Entry[]): Entry[] {
    const byKey = new Map<string, Entry>();
    for (const entry of entries) byKey.set(`${entry.group}\u0001${entry.rest}`, entry);
    const sorted = [...byKey.keys()].sort().map((key) => byKey.get(key) as Entry);
    if (!this.#query.descending) return sorted;
    const result: Entry[] = [];
    let start = 0;
    for (let index = 1; index <= sorted.length; index += 1) {
      if (index < sorted.length && sorted[index]?.group === sorted[start]?.group) continue;
      for (let back = index - 1; back >= start; back -= 1) result.push(sorted[back] as Entry);
      start = index;
    }
    return result;
  }

  /** Where an entry is, or would go, in the sorted list (binary search: entries are unique by id). */
  #position(entry: Entry): number {
    let low = 0;
    let high = this.#entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#compare(this.#entries[middle] as Entry, entry) < 0) low = middle + 1;
      else high = middle;
    }
    return low;
  }

  #count(stackId: string, node: string | undefined): void {
    const before = this.#nodeOf.get(stackId);
    if (before === node) return;
    if (before !== undefined) {
      const left = (this.#nodeCounts.get(before) ?? 1) - 1;
      if (left === 0) this.#nodeCounts.delete(before);
      else this.#nodeCounts.set(before, left);
    }
    if (node === undefined) this.#nodeOf.delete(stackId);
    else {
      this.#nodeOf.set(stackId, node);
      this.#nodeCounts.set(node, (this.#nodeCounts.get(node) ?? 0) + 1);
    }
  }

  #build(): StackView {
    const items: ViewItem[] = [];
    const stackIds: string[] = [];
    let heading: { kind: "node"; key: string; node: string; count: number } | undefined;
    for (const { stackId, group } of this.#entries) {
      if (this.#query.groupByNode && heading?.node !== group) {
        heading = { kind: "node", key: `node:${group}`, node: group, count: 0 };
        items.push(heading);
      }
      if (heading) heading.count += 1;
      items.push({ kind: "stack", key: stackId, stackId });
      stackIds.push(stackId);
    }
    return { items, stackIds, nodes: [...this.#nodeCounts.keys()].sort() };
  }
}

/** Filters, sorts and (optionally) groups the stacks per node in one go: the list the page shows. */
export function buildView(stacks: Iterable<StackSummary>, query: ViewQuery): StackView {
  const model = new StackViewModel(query);
  model.rebuild(stacks);
  return model.view();
}

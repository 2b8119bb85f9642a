import { describe, expect, it } from "bun:test";
import type { StackSummary } from "../../../src/dashboard/format.ts";
import {
  buildView,
  defaultQuery,
  parseLabelFilter,
  StackViewModel,
  sortColumns,
  type ViewQuery,
} from "../../../src/dashboard/stack-view.ts";
import { dashboardStack } from "../../helpers/dashboard-stacks.ts";

const stack = dashboardStack;

const ids = (stacks: StackSummary[], query: Partial<ViewQuery>) =>
  buildView(stacks, { ...defaultQuery, ...query }).stackIds;
const idOf = (index: number) => stack(index).stack_id;
const many = Array.from({ length: 40 }, (_, index) => stack(index));

describe("buildView filters and search", () => {
  it("keeps only the stacks of the chosen status", () => {
    expect(ids(many, { status: "failed" }).sort()).toEqual(
      many
        .filter((s) => s.status === "failed")
        .map((s) => s.stack_id)
        .sort(),
    );
  });

  it("keeps only the stacks of the chosen node, (unscheduled) naming stacks on none", () => {
    const unscheduled = ids(many, { node: "(unscheduled)" });
    expect(unscheduled.length).toBe(10);
    expect(unscheduled.every((id) => many.find((s) => s.stack_id === id)?.node_id === "")).toBe(true);
  });

  it("matches labels as key=value or key alone, every term required", () => {
    expect(ids(many, { label: "team=team-1" }).length).toBe(8);
    expect(ids(many, { label: "team=team-1, challenge=pwn" }).length).toBe(4);
    expect(ids(many, { label: "challenge" }).length).toBe(40);
    expect(ids(many, { label: "owner" })).toEqual([]);
  });

  it("searches ids and label keys and values, ignoring case", () => {
    expect(ids(many, { search: idOf(26).slice(-4).toUpperCase() })).toEqual([idOf(26)]);
    expect(ids(many, { search: "PWN" }).length).toBe(20);
    expect(ids([stack(1, { labels: {} })], { search: "team" })).toEqual([]);
  });

  it("reads label filters with spaces and empty terms", () => {
    expect(parseLabelFilter(" a = 1 ,, b ")).toEqual([
      { key: "a", value: "1" },
      { key: "b", value: undefined },
    ]);
  });
});

describe("buildView order", () => {
  it("sorts by each column both ways, the id breaking ties", () => {
    for (const sort of sortColumns) {
      const ascending = ids(many, { sort, descending: false });
      const descending = ids(many, { sort, descending: true });
      expect(ascending).toHaveLength(40);
      expect(new Set(descending)).toEqual(new Set(ascending));
    }
    expect(ids(many, { sort: "stack", descending: false })).toEqual(many.map((s) => s.stack_id).sort());
    expect(ids(many, { sort: "stack", descending: true })).toEqual(
      many
        .map((s) => s.stack_id)
        .sort()
        .reverse(),
    );
    const byTtl = ids(many, { sort: "ttl", descending: false });
    expect(byTtl[0]).toBe(idOf(39));
  });

  it("groups per node under one heading each, with its count", () => {
    const view = buildView(many, { ...defaultQuery, groupByNode: true });
    const headings = view.items.filter((item) => item.kind === "node");
    expect(headings.map((item) => item.kind === "node" && [item.node, item.count])).toEqual([
      ["(unscheduled)", 10],
      ["stack-node-0", 10],
      ["stack-node-1", 20],
    ]);
    expect(view.nodes).toEqual(["(unscheduled)", "stack-node-0", "stack-node-1"]);
  });
});

describe("StackViewModel.apply", () => {
  it("gives the same list as a full build after stacks appear, change and go", () => {
    for (const query of [
      { ...defaultQuery },
      { ...defaultQuery, sort: "node" as const, descending: false, groupByNode: true },
      { ...defaultQuery, status: "running", sort: "labels" as const },
      { ...defaultQuery, groupByNode: true, sort: "address" as const },
    ]) {
      const current = new Map(many.slice(0, 30).map((s) => [s.stack_id, s]));
      const model = new StackViewModel(query);
      model.rebuild(current.values());
      const changes = new Map<string, StackSummary | undefined>();
      for (const index of [30, 31, 32]) changes.set(idOf(index), stack(index));
      changes.set(idOf(4), stack(4, { status: "failed", node_id: "stack-node-1" }));
      changes.set(idOf(5), undefined);
      changes.set(idOf(7), stack(7, { status: "stopped", labels: { team: "team-9" } }));
      for (const [id, changed] of changes) {
        if (changed) current.set(id, changed);
        else current.delete(id);
      }
      model.apply(changes);
      expect(model.view()).toEqual(buildView(current.values(), query));
    }
  });
});

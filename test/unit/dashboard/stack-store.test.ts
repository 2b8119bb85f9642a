import { describe, expect, it } from "bun:test";
import { StackStore } from "../../../src/dashboard/stack-store.ts";
import { dashboardStack } from "../../helpers/dashboard-stacks.ts";

const ids = (store: StackStore) => [...store.values()].map((stack) => stack.stack_id);

describe("StackStore with a snapshot in parts", () => {
  it("replaces every stack with the first part and adds the next ones as changes", () => {
    const store = new StackStore();
    store.replaceAll([dashboardStack(9)]);
    store.takeChanges();
    store.beginSnapshot([dashboardStack(1), dashboardStack(2)]);
    expect(store.takeChanges().replaced).toBe(true);
    store.upsert(dashboardStack(3));
    const next = store.takeChanges();
    expect(next.replaced).toBe(false);
    expect([...next.changes.keys()]).toEqual([dashboardStack(3).stack_id]);
    store.endSnapshot();
    expect(ids(store)).toEqual([1, 2, 3].map((index) => dashboardStack(index).stack_id));
  });

  it("keeps the selection and delete error of a stack that comes in a later part, and drops those of stacks gone", () => {
    const store = new StackStore();
    store.replaceAll([dashboardStack(1), dashboardStack(2), dashboardStack(3)]);
    const later = dashboardStack(3).stack_id;
    const gone = dashboardStack(2).stack_id;
    store.setSelected(later, true);
    store.setSelected(gone, true);
    store.setDeleteError(later, "forbidden");
    store.setDeleteError(gone, "forbidden");
    store.beginSnapshot([dashboardStack(1)]);
    expect(store.isSelected(later)).toBe(true);
    store.upsert(dashboardStack(3));
    store.endSnapshot();
    expect(store.selected()).toEqual([later]);
    expect(store.deleteErrorOf(later)).toBe("forbidden");
    expect(store.deleteErrorOf(gone)).toBeUndefined();
  });
});

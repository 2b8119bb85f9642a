import type { StackSummary } from "./format.ts";

/**
 * The stacks the page knows, keyed by id, each with a version that grows on every change to it (its record,
 * its selection, a failed delete), so that a visible row is updated only when its version moved.
 */
export class StackStore {
  #stacks = new Map<string, StackSummary>();
  #versions = new Map<string, number>();
  #deleteErrors = new Map<string, string>();
  #selected = new Set<string>();
  #clock = 0;
  /** Stacks that appeared, changed (their record) or went since `takeChanges`; `undefined` for gone. */
  #changes = new Map<string, StackSummary | undefined>();
  /** Every stack was replaced since `takeChanges` (a snapshot). */
  #replaced = false;

  get size(): number {
    return this.#stacks.size;
  }

  get(stackId: string): StackSummary | undefined {
    return this.#stacks.get(stackId);
  }

  values(): IterableIterator<StackSummary> {
    return this.#stacks.values();
  }

  version(stackId: string): number {
    return this.#versions.get(stackId) ?? 0;
  }

  /** Replaces every stack (a snapshot); selections and errors of stacks that are gone are dropped. */
  replaceAll(stacks: StackSummary[]): void {
    this.beginSnapshot(stacks);
    this.endSnapshot();
  }

  /**
   * The first part of a snapshot: it replaces every stack; `upsert` adds the next parts. Selections
   * and delete errors wait for `endSnapshot`, since their stacks may come in a later part.
   */
  beginSnapshot(stacks: StackSummary[]): void {
    this.#stacks = new Map(stacks.map((stack) => [stack.stack_id, stack]));
    for (const stack of stacks) this.#touch(stack.stack_id);
    this.#replaced = true;
    this.#changes.clear();
  }

  /** The snapshot is whole: selections and errors of stacks it does not hold are dropped. */
  endSnapshot(): void {
    for (const stackId of this.#selected) if (!this.#stacks.has(stackId)) this.#selected.delete(stackId);
    for (const stackId of this.#deleteErrors.keys())
      if (!this.#stacks.has(stackId)) this.#deleteErrors.delete(stackId);
  }

  /** What changed since the last call: all (a snapshot came), or the stacks whose records changed. */
  takeChanges(): { replaced: boolean; changes: Map<string, StackSummary | undefined> } {
    const taken = { replaced: this.#replaced, changes: this.#changes };
    this.#replaced = false;
    this.#changes = new Map();
    return taken;
  }

  upsert(stack: StackSummary): void {
    this.#stacks.set(stack.stack_id, stack);
    this.#touch(stack.stack_id);
    if (!this.#replaced) this.#changes.set(stack.stack_id, stack);
  }

  /** Merges fields into a known stack (an extended TTL read from the API's answer). */
  patch(stackId: string, fields: Partial<StackSummary>): void {
    const stack = this.#stacks.get(stackId);
    if (stack) this.upsert({ ...stack, ...fields });
  }

  remove(stackId: string): void {
    this.#stacks.delete(stackId);
    this.#selected.delete(stackId);
    this.#deleteErrors.delete(stackId);
    this.#versions.delete(stackId);
    if (!this.#replaced) this.#changes.set(stackId, undefined);
  }

  isSelected(stackId: string): boolean {
    return this.#selected.has(stackId);
  }

  selected(): string[] {
    return [...this.#selected];
  }

  setSelected(stackId: string, selected: boolean): void {
    if (selected === this.#selected.has(stackId) || !this.#stacks.has(stackId)) return;
    if (selected) this.#selected.add(stackId);
    else this.#selected.delete(stackId);
    this.#touch(stackId);
  }

  deleteErrorOf(stackId: string): string | undefined {
    return this.#deleteErrors.get(stackId);
  }

  /** Records why deleting a stack failed (`undefined` clears it); the row shows it. */
  setDeleteError(stackId: string, message: string | undefined): void {
    if (message === undefined) this.#deleteErrors.delete(stackId);
    else this.#deleteErrors.set(stackId, message);
    this.#touch(stackId);
  }

  #touch(stackId: string): void {
    this.#clock += 1;
    this.#versions.set(stackId, this.#clock);
  }
}

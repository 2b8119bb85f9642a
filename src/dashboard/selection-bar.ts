import type { ApiClient } from "./api-client.ts";
import { type BatchJob, batchDelete, batchErrorText } from "./batch-delete.ts";
import type { StackStore } from "./stack-store.ts";

const byId = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
/** How many of the selected ids the confirmation names before "and N more". */
const namedInConfirmation = 5;

/**
 * Selecting many stacks and deleting them: the select-all box (the stacks shown), the count, the
 * confirmation dialog, then the batch job's progress and its errors.
 */
export class SelectionBar {
  #api: ApiClient;
  #store: StackStore;
  #shownIds: () => string[];
  #changed: () => void;

  constructor(api: ApiClient, store: StackStore, shownIds: () => string[], changed: () => void) {
    this.#api = api;
    this.#store = store;
    this.#shownIds = shownIds;
    this.#changed = changed;
    byId<HTMLInputElement>("select-all").onchange = (event) => {
      const checked = (event.target as HTMLInputElement).checked;
      for (const stackId of this.#shownIds()) store.setSelected(stackId, checked);
      changed();
    };
    byId("clear-selection").onclick = () => {
      for (const stackId of store.selected()) store.setSelected(stackId, false);
      changed();
    };
    byId("delete-selected").onclick = () => this.#confirm();
    byId("confirm-delete-no").onclick = () => byId<HTMLDialogElement>("confirm-delete").close();
    byId("confirm-delete-yes").onclick = () => {
      byId<HTMLDialogElement>("confirm-delete").close();
      void this.#delete(store.selected());
    };
  }

  /** Brings the count, the buttons and the select-all box up to date (once per frame). */
  update(): void {
    const selected = this.#store.selected().length;
    byId("selected-count").textContent = selected === 0 ? "" : `${selected} selected`;
    byId<HTMLButtonElement>("delete-selected").disabled = selected === 0;
    byId<HTMLButtonElement>("clear-selection").disabled = selected === 0;
    const shown = this.#shownIds();
    const selectAll = byId<HTMLInputElement>("select-all");
    const all =
      shown.length > 0 && selected >= shown.length && shown.every((id) => this.#store.isSelected(id));
    selectAll.checked = all;
    selectAll.indeterminate = !all && selected > 0;
  }

  #confirm(): void {
    const selected = this.#store.selected();
    if (selected.length === 0) return;
    const more = selected.length - namedInConfirmation;
    byId("confirm-delete-text").textContent =
      `Delete ${selected.length} stack${selected.length === 1 ? "" : "s"}? Their pods and services are removed; this cannot be undone.`;
    byId("confirm-delete-list").textContent =
      selected.slice(0, namedInConfirmation).join("\n") + (more > 0 ? `\n… and ${more} more` : "");
    byId<HTMLDialogElement>("confirm-delete").showModal();
  }

  async #delete(stackIds: string[]): Promise<void> {
    byId("batch").classList.remove("hidden");
    byId("batch-errors").replaceChildren();
    const progress = byId("batch-progress");
    progress.textContent = `deleting ${stackIds.length} stacks…`;
    progress.className = "";
    progress.dataset.status = "starting";
    try {
      let oneByOne = false;
      const job = await batchDelete(this.#api, stackIds, (progress, viaDeletes) => {
        oneByOne = viaDeletes;
        this.#show(progress, viaDeletes);
      });
      for (const stackId of stackIds) this.#store.setSelected(stackId, false);
      this.#show(job, oneByOne);
    } catch (error) {
      byId("batch-progress").className = "field-error";
      byId("batch-progress").textContent =
        `batch delete refused: ${error instanceof Error ? error.message : error}`;
    }
    this.#changed();
  }

  #show(job: BatchJob, oneByOne: boolean): void {
    const progress = byId("batch-progress");
    progress.dataset.status = job.status;
    progress.textContent =
      `${job.status}: ${job.deleted} deleted, ${job.not_found} not found, ${job.failed} failed of ${job.total}` +
      (oneByOne ? " (this stackd has no batch delete: one DELETE per stack)" : "");
    const errors = byId("batch-errors");
    errors.replaceChildren(
      ...job.errors.map((entry) => {
        const item = document.createElement("li");
        item.textContent = batchErrorText(entry);
        return item;
      }),
    );
  }
}

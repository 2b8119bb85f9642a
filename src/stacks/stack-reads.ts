import {
  cursorOf,
  isNoFilter,
  matchesFilter,
  positionKey,
  type StackFilter,
  type StackPage,
} from "./stack-filter.ts";
import { apiRecordOf, type StackRecord, type StoredStack, summaryRecordOf } from "./stack-record.ts";
import { type StackStats, stackStats } from "./stack-stats.ts";
import type { StackUpdate, StackUpdateSource } from "./stack-update.ts";

interface ReadEntry {
  stored: StoredStack;
  /** The stack's API JSON, encoded once per change. */
  json: string;
  /** The same without `pod_spec`, encoded when first asked for. */
  summaryJson?: string;
}

/** Which form of each record a read returns: the whole API record, or its summary (no `pod_spec`). */
export type RecordFields = "full" | "summary";

const summaryJsonOf = (entry: ReadEntry) => {
  entry.summaryJson ??= JSON.stringify(summaryRecordOf(apiRecordOf(entry.stored)));
  return entry.summaryJson;
};
const jsonOf = (entry: ReadEntry, fields: RecordFields) =>
  fields === "summary" ? summaryJsonOf(entry) : entry.json;

/**
 * The read side: each stack's API JSON cached since its last change, the `GET /stacks` body, stats
 * and the live stream's snapshot; fed by the actors' updates, never by reading actors.
 */
export class StackReads {
  #entries = new Map<string, ReadEntry>();
  /** Cached `GET /stacks` body; dropped whenever any stack's JSON changes, appears or goes. */
  #listBytes: Uint8Array<ArrayBuffer> | undefined;
  /** Paging keys of every stack, sorted; built on the first paged read, then kept up to date. */
  #ordered: string[] | undefined;
  #leasedPorts: () => number;
  #unsubscribe: () => void;

  constructor(actors: StackUpdateSource, leasedPorts: () => number) {
    this.#leasedPorts = leasedPorts;
    this.#unsubscribe = actors.onUpdate((update) => this.#apply(update));
  }

  get(stackId: string): StackRecord | undefined {
    const entry = this.#entries.get(stackId);
    return entry ? apiRecordOf(entry.stored) : undefined;
  }

  /** The stack's API JSON (or its summary's), cached since its last change. */
  getJson(stackId: string, fields: RecordFields = "full"): string | undefined {
    const entry = this.#entries.get(stackId);
    return entry ? jsonOf(entry, fields) : undefined;
  }

  /** The records (or their summaries) as a JSON array, built from each stack's cached JSON. */
  listArrayJson(fields: RecordFields = "full"): string {
    return this.listArrayJsonSlices(fields, Number.POSITIVE_INFINITY)[0] ?? "[]";
  }

  /** The records as JSON arrays of at most `size` records each, in list order; at least one array. */
  listArrayJsonSlices(fields: RecordFields, size: number): string[] {
    const slices: string[] = [];
    let body = "";
    let count = 0;
    for (const entry of this.#entries.values()) {
      if (count === size) {
        slices.push(`[${body}]`);
        body = "";
        count = 0;
      }
      body += count === 0 ? jsonOf(entry, fields) : `,${jsonOf(entry, fields)}`;
      count += 1;
    }
    slices.push(`[${body}]`);
    return slices;
  }

  /** The `GET /stacks` body as UTF-8, rebuilt only after some stack changed since the last call. */
  listBytes(): Uint8Array<ArrayBuffer> {
    this.#listBytes ??= new TextEncoder().encode(`{"stacks":${this.listArrayJson()}}`);
    return this.#listBytes;
  }

  /**
   * `GET /stacks` with a filter and maybe a page: the matching stacks as `{"stacks":[...]}`, and with a
   * page also `next_cursor` (null on the last page). Pages follow (created_at, stack_id).
   */
  list(filter: StackFilter, page?: StackPage): Uint8Array<ArrayBuffer> {
    if (page) return this.#page(filter, page);
    if (isNoFilter(filter)) return this.listBytes();
    let body = "[";
    for (const entry of this.#entries.values()) {
      if (!matchesFilter(entry.stored, filter)) continue;
      body += body.length === 1 ? entry.json : `,${entry.json}`;
    }
    return new TextEncoder().encode(`{"stacks":${body}]}`);
  }

  #page(filter: StackFilter, page: StackPage): Uint8Array<ArrayBuffer> {
    const ordered = this.#orderedKeys();
    const start = page.after ? upperBound(ordered, positionKey(page.after.createdAt, page.after.stackId)) : 0;
    const matches: ReadEntry[] = [];
    let more = false;
    for (let index = start; index < ordered.length && !more; index += 1) {
      const entry = this.#entries.get(stackIdOfKey(ordered[index] as string));
      if (!entry || !matchesFilter(entry.stored, filter)) continue;
      if (matches.length === page.limit) more = true;
      else matches.push(entry);
    }
    const last = matches.at(-1)?.stored;
    const next =
      more && last
        ? JSON.stringify(cursorOf({ createdAt: last.created_at, stackId: last.stack_id }))
        : "null";
    const stacks = matches.map((entry) => entry.json).join(",");
    return new TextEncoder().encode(`{"stacks":[${stacks}],"next_cursor":${next}}`);
  }

  /**
   * `GET /stats`: only stacks that hold cluster resources (creating, running) count as active and reserved.
   * With a filter, only matching stacks count, and `used_node_ports` is the NodePorts they hold.
   */
  stats(filter?: StackFilter): StackStats {
    const filtered = filter !== undefined && !isNoFilter(filter);
    const active = [];
    let total = 0;
    let ports = 0;
    for (const { stored } of this.#entries.values()) {
      if (filtered && !matchesFilter(stored, filter)) continue;
      total += 1;
      ports += stored.ports.length;
      if (stored.status !== "creating" && stored.status !== "running") continue;
      active.push({
        nodeName: stored.node_id === "" ? null : stored.node_id,
        requestedCpuMilli: stored.requested_cpu_milli,
        requestedMemoryBytes: stored.requested_memory_bytes,
      });
    }
    return stackStats(total, active, filtered ? ports : this.#leasedPorts());
  }

  /** How many stacks are in each status (for metrics). */
  countByStatus(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const { stored } of this.#entries.values()) counts[stored.status] = (counts[stored.status] ?? 0) + 1;
    return counts;
  }

  stop(): void {
    this.#unsubscribe();
    this.#entries.clear();
    this.#listBytes = undefined;
    this.#ordered = undefined;
  }

  #orderedKeys(): string[] {
    this.#ordered ??= [...this.#entries.values()]
      .map(({ stored }) => positionKey(stored.created_at, stored.stack_id))
      .sort();
    return this.#ordered;
  }

  #apply(update: StackUpdate): void {
    const { stack } = update;
    const stackId = stack.stack_id;
    this.#listBytes = undefined;
    const known = this.#entries.has(stackId);
    if (update.kind === "removed") {
      this.#entries.delete(stackId);
      if (known && this.#ordered) removeSorted(this.#ordered, positionKey(stack.created_at, stackId));
      return;
    }
    this.#entries.set(stackId, { stored: stack, json: JSON.stringify(apiRecordOf(stack)) });
    if (!known && this.#ordered) insertSorted(this.#ordered, positionKey(stack.created_at, stackId));
  }
}

const stackIdOfKey = (key: string) => key.slice(key.indexOf("\u0000") + 1);

/** The index of the first key greater than `key`. */
function upperBound(sorted: string[], key: string): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as string) <= key) low = middle + 1;
    else high = middle;
  }
  return low;
}

function insertSorted(sorted: string[], key: string): void {
  sorted.splice(upperBound(sorted, key), 0, key);
}

function removeSorted(sorted: string[], key: string): void {
  const index = upperBound(sorted, key) - 1;
  if (sorted[index] === key) sorted.splice(index, 1);
}

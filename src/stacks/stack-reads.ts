import type { StackUpdate, StackUpdateSource } from "./stack-actors.ts";
import { apiRecordOf, type StackRecord, type StoredStack, summaryRecordOf } from "./stack-record.ts";
import { type StackStats, stackStats } from "./stack-stats.ts";

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
    let body = "[";
    let first = true;
    for (const entry of this.#entries.values()) {
      body += first ? jsonOf(entry, fields) : `,${jsonOf(entry, fields)}`;
      first = false;
    }
    return `${body}]`;
  }

  /** The `GET /stacks` body as UTF-8, rebuilt only after some stack changed since the last call. */
  listBytes(): Uint8Array<ArrayBuffer> {
    this.#listBytes ??= new TextEncoder().encode(`{"stacks":${this.listArrayJson()}}`);
    return this.#listBytes;
  }

  /** `GET /stats`: only stacks that hold cluster resources (creating, running) count as active and reserved. */
  stats(): StackStats {
    const active = [];
    for (const { stored } of this.#entries.values()) {
      if (stored.status !== "creating" && stored.status !== "running") continue;
      active.push({
        nodeName: stored.node_id === "" ? null : stored.node_id,
        requestedCpuMilli: stored.requested_cpu_milli,
        requestedMemoryBytes: stored.requested_memory_bytes,
      });
    }
    return stackStats(this.#entries.size, active, this.#leasedPorts());
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
  }

  #apply(update: StackUpdate): void {
    const stackId = update.stack.stack_id;
    this.#listBytes = undefined;
    if (update.kind === "removed") this.#entries.delete(stackId);
    else
      this.#entries.set(stackId, { stored: update.stack, json: JSON.stringify(apiRecordOf(update.stack)) });
  }
}

import type { ActorOptions, AnyActorLogic } from "xstate";
import type { Logger } from "../log/logger.ts";
import type { StackStore } from "../store/stack-store.ts";
import type { StoredStack } from "./stack-record.ts";

type Clock = NonNullable<ActorOptions<AnyActorLogic>["clock"]>;

/** How often writes that failed (a full disk, an unwritable file) are tried again. */
const retryMs = 2_000;

export interface RecordWriterOptions {
  store: Pick<StackStore, "writeAll">;
  logger: Logger;
  /** Drives the retry timer (a SimulatedClock in tests). */
  clock?: Clock;
  /** Told of every failed write (metrics). */
  onError?: () => void;
}

/**
 * The stack records not yet in the store, newest per stack (a record, or null for a removal), and
 * their writing: in one transaction, all of them or a batch; a failed write is kept, reported once,
 * tried again every 2 s, and never thrown to the caller.
 */
export class RecordWriter {
  #options: RecordWriterOptions;
  #unsaved = new Map<string, StoredStack | null>();
  #error: Error | null = null;
  #retry: unknown;

  constructor(options: RecordWriterOptions) {
    this.#options = options;
  }

  /** Writes a record (or its removal) now, or keeps it for the retry while writes fail. */
  write(stackId: string, stored: StoredStack | null): void {
    this.#unsaved.set(stackId, stored);
    if (!this.#error) this.flush();
  }

  /** Keeps records to write later (with flush), unless a newer write of the same stack is already kept. */
  keep(records: StoredStack[]): void {
    for (const stored of records)
      if (!this.#unsaved.has(stored.stack_id)) this.#unsaved.set(stored.stack_id, stored);
  }

  /** Why records cannot be written right now (the store's error), or null when they can. */
  problem(): string | null {
    return this.#error ? this.#error.message : null;
  }

  /** True once the stack's latest record is in the store. */
  isSaved(stackId: string): boolean {
    return !this.#unsaved.has(stackId);
  }

  /** True while records wait and writes succeed (so that flushing more is worth it). */
  get hasWritableBacklog(): boolean {
    return !this.#error && this.#unsaved.size > 0;
  }

  /** Writes the unsaved records (or removals), all of them or the first `limit`, in one transaction. */
  flush(limit = Number.POSITIVE_INFINITY): void {
    const { store, logger } = this.#options;
    if (this.#unsaved.size === 0 && !this.#error) return;
    const changes: Array<[string, StoredStack | null]> = [];
    for (const change of this.#unsaved) {
      if (changes.length >= limit) break;
      changes.push(change);
    }
    try {
      store.writeAll(changes);
    } catch (error) {
      if (!this.#error) {
        logger.error("cannot write stack records; creates answer 503 until writes succeed again", {
          error,
          stackIds: changes.slice(0, 20).map(([stackId]) => stackId),
        });
      }
      this.#error = error instanceof Error ? error : new Error(String(error));
      this.#options.onError?.();
      this.#scheduleRetry();
      return;
    }
    for (const [stackId, stored] of changes)
      if (this.#unsaved.get(stackId) === stored) this.#unsaved.delete(stackId);
    if (this.#error) {
      logger.info("stack records are written again");
      this.#error = null;
    }
  }

  /** Writes what it can now and stops retrying (shutdown). */
  close(): void {
    this.flush();
    if (this.#retry === undefined) return;
    (this.#options.clock ?? globalThis).clearTimeout(this.#retry as never);
    this.#retry = undefined;
  }

  #scheduleRetry(): void {
    const timers = this.#options.clock ?? globalThis;
    if (this.#retry !== undefined) timers.clearTimeout(this.#retry as never);
    this.#retry = timers.setTimeout(() => {
      this.#retry = undefined;
      this.flush();
    }, retryMs);
    (this.#retry as { unref?: () => void }).unref?.();
  }
}

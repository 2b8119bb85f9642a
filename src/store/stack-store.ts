import type { Database } from "bun:sqlite";
import { Value } from "@sinclair/typebox/value";
import { StoredStack } from "../stacks/stack-record.ts";
import { upgradeStoredRecord } from "./legacy-records.ts";

/** What `StackStore.load` read: the valid records, and the ids of rows that no longer match the schema. */
export interface LoadedStacks {
  stacks: StoredStack[];
  unreadable: string[];
}

/**
 * Stack records in SQLite. A record is the `StoredStack` schema as one JSON document;
 * each stack's row is written only by that stack's actor.
 */
export class StackStore {
  #upsert;
  #delete;
  #all;
  #db: Database;

  constructor(db: Database) {
    this.#db = db;
    this.#upsert = db.query(
      "INSERT INTO stack_records (stack_id, record) VALUES (?, ?) ON CONFLICT (stack_id) DO UPDATE SET record = excluded.record",
    );
    this.#delete = db.query("DELETE FROM stack_records WHERE stack_id = ?");
    this.#all = db.query<{ stack_id: string; record: string }, []>(
      "SELECT stack_id, record FROM stack_records ORDER BY json_extract(record, '$.created_at'), stack_id",
    );
  }

  save(stack: StoredStack): void {
    this.#upsert.run(stack.stack_id, JSON.stringify(stack));
  }

  /**
   * Writes records and removals (null) in one transaction: all of them, or none when it throws
   * (thousands at a start, where one commit each would be slow).
   */
  writeAll(changes: Iterable<[string, StoredStack | null]>): void {
    this.#db.transaction(() => {
      for (const [stackId, stored] of changes) {
        if (stored) this.save(stored);
        else this.remove(stackId);
      }
    })();
  }

  remove(stackId: string): void {
    this.#delete.run(stackId);
  }

  /** Makes the stored records exactly `stacks`, in one transaction (a new leader's cache of the cluster). */
  replaceAll(stacks: StoredStack[]): void {
    this.#db.transaction(() => {
      this.#db.run("DELETE FROM stack_records");
      for (const stack of stacks) this.save(stack);
    })();
  }

  /** Every stored record, oldest first; rows that do not parse or match the schema are reported, not thrown. */
  load(): LoadedStacks {
    const stacks: StoredStack[] = [];
    const unreadable: string[] = [];
    for (const row of this.#all.all()) {
      let record: unknown;
      try {
        record = upgradeStoredRecord(JSON.parse(row.record));
      } catch {
        record = undefined;
      }
      if (Value.Check(StoredStack, record)) stacks.push(record);
      else unreadable.push(row.stack_id);
    }
    return { stacks, unreadable };
  }
}

import type { Database } from "bun:sqlite";

/** A bounded history of the live stream's change messages, for clients that reconnect with `since`. */
export class EventHistory {
  #append;
  #since;
  #sinceForStack;
  #bounds;
  #prune;
  #limit: number;
  #appendedSincePrune = 0;

  constructor(db: Database, limit: number) {
    this.#limit = limit;
    this.#append = db.query("INSERT INTO stack_events (seq, stack_id, at, message) VALUES (?, ?, ?, ?)");
    this.#since = db.query<{ message: string }, [number]>(
      "SELECT message FROM stack_events WHERE seq > ? ORDER BY seq",
    );
    this.#sinceForStack = db.query<{ message: string }, [number, string]>(
      "SELECT message FROM stack_events WHERE seq > ? AND stack_id = ? ORDER BY seq",
    );
    this.#bounds = db.query<{ oldest: number | null; latest: number | null }, []>(
      "SELECT MIN(seq) AS oldest, MAX(seq) AS latest FROM stack_events",
    );
    this.#prune = db.query("DELETE FROM stack_events WHERE seq <= ?");
  }

  append(seq: number, stackId: string, at: number, message: string): void {
    this.#append.run(seq, stackId, at, message);
    this.#appendedSincePrune += 1;
    if (this.#appendedSincePrune >= Math.max(1, Math.floor(this.#limit / 10))) {
      this.#prune.run(seq - this.#limit);
      this.#appendedSincePrune = 0;
    }
  }

  /** The messages after `seq` (optionally of one stack), oldest first. */
  since(seq: number, stackId?: string): string[] {
    const rows = stackId ? this.#sinceForStack.all(seq, stackId) : this.#since.all(seq);
    return rows.map((row) => row.message);
  }

  /** Lowest and highest seq kept (0 and 0 when empty). */
  bounds(): { oldest: number; latest: number } {
    const row = this.#bounds.get();
    return { oldest: row?.oldest ?? 0, latest: row?.latest ?? 0 };
  }
}

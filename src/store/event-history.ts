import type { Database } from "bun:sqlite";

/** How much history to keep: at most `count` messages and `bytes` bytes (messages plus the specs they need). */
export interface HistoryLimits {
  count: number;
  bytes: number;
}

const emptySpec = '"pod_spec":""';

/** The JSON text of a record's `"pod_spec":...` member, as it appears in a message. */
const specMember = (podSpec: string) => `"pod_spec":${JSON.stringify(podSpec)}`;

/**
 * A bounded history of the live stream's change messages, for clients that reconnect with `since`.
 * Each stack's pod_spec is stored once (`stack_specs`), not in every message of the stack, and put
 * back when the messages are replayed. Old messages go when either limit is passed.
 */
export class EventHistory {
  #db: Database;
  #append;
  #appendSpec;
  #since;
  #sinceForStack;
  #bounds;
  #limits: HistoryLimits;
  #bytes: number;
  #appendedSincePrune = 0;

  constructor(db: Database, limits: HistoryLimits) {
    this.#db = db;
    this.#limits = limits;
    this.#append = db.query("INSERT INTO stack_events (seq, stack_id, at, message) VALUES (?, ?, ?, ?)");
    this.#appendSpec = db.query("INSERT OR IGNORE INTO stack_specs (stack_id, pod_spec) VALUES (?, ?)");
    const select = `SELECT e.message AS message, s.pod_spec AS podSpec
       FROM stack_events e LEFT JOIN stack_specs s ON s.stack_id = e.stack_id`;
    this.#since = db.query<{ message: string; podSpec: string | null }, [number]>(
      `${select} WHERE e.seq > ? ORDER BY e.seq`,
    );
    this.#sinceForStack = db.query<{ message: string; podSpec: string | null }, [number, string]>(
      `${select} WHERE e.seq > ? AND e.stack_id = ? ORDER BY e.seq`,
    );
    this.#bounds = db.query<{ oldest: number | null; latest: number | null }, []>(
      "SELECT MIN(seq) AS oldest, MAX(seq) AS latest FROM stack_events",
    );
    this.#bytes = this.#storedBytes();
  }

  /** Stores one message; `podSpec` is taken out of it and kept once per stack. */
  append(seq: number, stackId: string, at: number, message: string, podSpec: string): void {
    const slim = message.replace(specMember(podSpec), emptySpec);
    this.#db.transaction(() => {
      const added = this.#appendSpec.run(stackId, podSpec).changes;
      this.#append.run(seq, stackId, at, slim);
      this.#bytes += Buffer.byteLength(slim) + (added > 0 ? Buffer.byteLength(podSpec) : 0);
    })();
    this.#appendedSincePrune += 1;
    const overCount = this.#appendedSincePrune >= Math.max(1, Math.floor(this.#limits.count / 10));
    if (overCount || this.#bytes > this.#limits.bytes) this.#prune(seq);
  }

  /** The messages after `seq` (optionally of one stack), oldest first, with their pod_spec back in place. */
  since(seq: number, stackId?: string): string[] {
    const rows = stackId ? this.#sinceForStack.all(seq, stackId) : this.#since.all(seq);
    return rows.map((row) =>
      row.podSpec ? row.message.replace(emptySpec, specMember(row.podSpec)) : row.message,
    );
  }

  /** The same messages in the summary form: their record has no `pod_spec` member at all. */
  summariesSince(seq: number, stackId?: string): string[] {
    const rows = stackId ? this.#sinceForStack.all(seq, stackId) : this.#since.all(seq);
    // Inside a JSON string every quote is escaped, so `"pod_spec":""` can only be the member itself.
    return rows.map((row) =>
      row.message.includes(`${emptySpec},`)
        ? row.message.replace(`${emptySpec},`, "")
        : row.message.replace(`,${emptySpec}`, ""),
    );
  }

  /** Lowest and highest seq kept (0 and 0 when empty). */
  bounds(): { oldest: number; latest: number } {
    const row = this.#bounds.get();
    return { oldest: row?.oldest ?? 0, latest: row?.latest ?? 0 };
  }

  /** Bytes the history holds now (messages and specs). */
  bytes(): number {
    return this.#bytes;
  }

  /** Drops the oldest messages past either limit (to 90% of the byte limit), then specs no message needs. */
  #prune(latestSeq: number): void {
    this.#appendedSincePrune = 0;
    this.#db.transaction(() => {
      this.#db.run("DELETE FROM stack_events WHERE seq <= ?", [latestSeq - this.#limits.count]);
      if (this.#bytes > this.#limits.bytes) {
        const target = Math.floor(this.#limits.bytes * 0.9);
        const cutoff = this.#db
          .query<{ seq: number }, [number]>(
            `SELECT seq FROM (SELECT seq, SUM(length(CAST(message AS BLOB))) OVER (ORDER BY seq DESC) AS newer FROM stack_events)
             WHERE newer > ? ORDER BY seq DESC LIMIT 1`,
          )
          .get(target - this.#specBytes());
        if (cutoff) this.#db.run("DELETE FROM stack_events WHERE seq <= ?", [cutoff.seq]);
      }
      this.#db.run("DELETE FROM stack_specs WHERE stack_id NOT IN (SELECT stack_id FROM stack_events)");
    })();
    this.#bytes = this.#storedBytes();
  }

  #specBytes(): number {
    return (
      this.#db
        .query<{ bytes: number | null }, []>(
          "SELECT SUM(length(CAST(pod_spec AS BLOB))) AS bytes FROM stack_specs",
        )
        .get()?.bytes ?? 0
    );
  }

  #storedBytes(): number {
    const messages = this.#db
      .query<{ bytes: number | null }, []>(
        "SELECT SUM(length(CAST(message AS BLOB))) AS bytes FROM stack_events",
      )
      .get();
    return (messages?.bytes ?? 0) + this.#specBytes();
  }
}

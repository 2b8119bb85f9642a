import type { Database } from "bun:sqlite";
import { describe, expect, it } from "bun:test";
import { Value } from "@sinclair/typebox/value";
import type { StackStatus } from "../../../machines/stack.types.ts";
import { ChangeFeed } from "../../../src/live/change-feed.ts";
import { type ChangeMessage, LiveMessage, type LiveMessageType } from "../../../src/live/messages.ts";
import { createLogger } from "../../../src/log/logger.ts";
import type { StackActors } from "../../../src/stacks/stack-actors.ts";
import { StackReads } from "../../../src/stacks/stack-reads.ts";
import type { StackUpdate } from "../../../src/stacks/stack-update.ts";
import { openDatabase } from "../../../src/store/database.ts";
import { EventHistory } from "../../../src/store/event-history.ts";
import { storedStackFixture } from "../../helpers/stack-fixtures.ts";

const createdAt = Date.parse("2025-01-01T00:00:00.000Z");

/** The one part of StackActors the feed and the read side use: a listener list the test pushes updates into. */
class FakeActors {
  #listeners = new Set<(update: StackUpdate) => void>();

  onUpdate(listener: (update: StackUpdate) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  push(update: StackUpdate): void {
    for (const listener of this.#listeners) listener(update);
  }

  listenerCount(): number {
    return this.#listeners.size;
  }
}

const created = (stackId: string, at = createdAt): StackUpdate => ({
  kind: "created",
  stack: storedStackFixture(stackId),
  at,
});

const changed = (
  stackId: string,
  previousStatus: StackStatus,
  status: StackStatus,
  reason: string | null = null,
  at = createdAt + 1_000,
): StackUpdate => ({
  kind: "changed",
  stack: storedStackFixture(stackId, { status, status_reason: reason }),
  previousStatus,
  reason,
  at,
});

const removed = (stackId: string, previousStatus: StackStatus, reason: string): StackUpdate => ({
  kind: "removed",
  stack: storedStackFixture(stackId, { status: previousStatus }),
  previousStatus,
  reason,
  at: createdAt + 2_000,
});

const restored = (stackId: string, status: StackStatus): StackUpdate => ({
  kind: "restored",
  stack: storedStackFixture(stackId, { status }),
  at: createdAt + 3_000,
});

interface HarnessOptions {
  db?: Database;
  history?: EventHistory;
  historyLimit?: number;
  historyBytes?: number;
  /** Where a new history's numbers start; 0 keeps the seqs of these tests small. */
  streamBase?: number;
}

/** A feed wired as stackd wires it (the read side listens first), on its own in-memory database. */
function harness(options: HarnessOptions = {}) {
  const db = options.db ?? openDatabase(":memory:");
  const history =
    options.history ??
    new EventHistory(db, {
      count: options.historyLimit ?? 100,
      bytes: options.historyBytes ?? 64 * 1_048_576,
    });
  const actors = new FakeActors();
  const asActors = actors as unknown as StackActors;
  const reads = new StackReads(asActors, () => 0);
  const logs: Array<Record<string, unknown>> = [];
  const logger = createLogger({
    level: "debug",
    write: (line) => logs.push(JSON.parse(line) as Record<string, unknown>),
  });
  const feed = new ChangeFeed(asActors, reads, history, logger, {
    newStreamBase: () => options.streamBase ?? 0,
  });
  return { db, history, actors, reads, feed, logs };
}

/** Parses a message and fails the test unless it matches its documented schema. */
function parse(text: string): LiveMessageType {
  const message = JSON.parse(text) as LiveMessageType;
  const schema = LiveMessage[message.type];
  expect(schema).toBeDefined();
  expect([...Value.Errors(schema, message)].map((error) => `${error.path}: ${error.message}`)).toEqual([]);
  expect(Value.Check(schema, message)).toBe(true);
  return message;
}

function parseAll(texts: string[]): LiveMessageType[] {
  return texts.map(parse);
}

/** Opens a subscription that records what it is delivered (parsed and validated). */
function subscribe(feed: ChangeFeed, options: { stackId?: string; since?: number } = {}) {
  const delivered: Array<{ message: LiveMessageType; seq: number }> = [];
  const subscription = feed.open(options, (text, seq) => delivered.push({ message: parse(text), seq }));
  return { subscription, delivered, initial: parseAll(subscription.initial) };
}

function asChange(message: LiveMessageType | undefined): ChangeMessage {
  expect(message?.type).toBe("change");
  return message as ChangeMessage;
}

describe("ChangeFeed publishing", () => {
  it("gives each published change the next seq, one apart, starting after the history's latest", () => {
    const { actors, feed } = harness();
    const { delivered } = subscribe(feed);
    actors.push(created("stack-a"));
    actors.push(created("stack-b"));
    actors.push(changed("stack-a", "creating", "running"));
    expect(delivered.map((entry) => entry.seq)).toEqual([1, 2, 3]);
    expect(delivered.map((entry) => asChange(entry.message).seq)).toEqual([1, 2, 3]);
    expect(feed.latestSeq()).toBe(3);
  });

  it("publishes a created stack as status creating with no previous status and reason created", () => {
    const { actors, feed } = harness();
    const { delivered } = subscribe(feed);
    actors.push(created("stack-a", createdAt));
    expect(delivered).toHaveLength(1);
    const change = asChange(delivered[0]?.message);
    expect(change).toEqual({
      type: "change",
      seq: 1,
      stack_id: "stack-a",
      status: "creating",
      previous_status: null,
      reason: "created",
      at: new Date(createdAt).toISOString(),
      stack: expect.objectContaining({ stack_id: "stack-a", status: "creating" }),
    });
  });

  it("leaves acknowledged out of the published stack record", () => {
    const { actors, feed } = harness();
    const { delivered } = subscribe(feed);
    actors.push({
      kind: "created",
      stack: storedStackFixture("stack-a", { acknowledged: true }),
      at: createdAt,
    });
    expect(asChange(delivered[0]?.message).stack).not.toHaveProperty("acknowledged");
  });

  it("publishes nothing for a changed record whose status stayed the same", () => {
    const { actors, feed } = harness();
    actors.push(created("stack-a"));
    actors.push(changed("stack-a", "creating", "running"));
    const { delivered } = subscribe(feed);
    actors.push({
      kind: "changed",
      stack: storedStackFixture("stack-a", {
        status: "running",
        node_id: "node-1",
        node_public_ip: "203.0.113.7",
      }),
      previousStatus: "running",
      reason: null,
      at: createdAt + 5_000,
    });
    expect(delivered).toEqual([]);
    expect(feed.latestSeq()).toBe(2);
  });

  it("publishes a TTL extension as a change with reason ttl_extended, the status unchanged and the new expiry", () => {
    const { actors, feed } = harness();
    actors.push(created("stack-a"));
    const { delivered } = subscribe(feed);
    const extended = new Date(createdAt + 7_200_000).toISOString();
    actors.push({
      kind: "changed",
      stack: storedStackFixture("stack-a", { status: "running", ttl_expires_at: extended }),
      previousStatus: "running",
      reason: null,
      at: createdAt + 5_000,
      previousTtlExpiresAt: storedStackFixture("stack-a").ttl_expires_at,
    });
    expect(delivered).toHaveLength(1);
    const change = asChange(delivered[0]?.message);
    expect(change).toMatchObject({ status: "running", previous_status: "running", reason: "ttl_extended" });
    expect(change.stack.ttl_expires_at).toBe(extended);
  });

  it("publishes one change when the status changes, with the previous status and the reason", () => {
    const { actors, feed } = harness();
    actors.push(created("stack-a"));
    const { delivered } = subscribe(feed);
    actors.push(changed("stack-a", "creating", "failed", "ImagePullBackOff", createdAt + 7_000));
    expect(delivered).toHaveLength(1);
    const change = asChange(delivered[0]?.message);
    expect(change.seq).toBe(2);
    expect(change.status).toBe("failed");
    expect(change.previous_status).toBe("creating");
    expect(change.reason).toBe("ImagePullBackOff");
    expect(change.at).toBe(new Date(createdAt + 7_000).toISOString());
    expect(change.stack.status).toBe("failed");
  });

  it("publishes a removed stack as status deleted with its last status as the previous one", () => {
    const { actors, feed } = harness();
    actors.push(created("stack-a"));
    actors.push(changed("stack-a", "creating", "running"));
    const { delivered } = subscribe(feed);
    actors.push(removed("stack-a", "running", "ttl_expired"));
    expect(delivered).toHaveLength(1);
    const change = asChange(delivered[0]?.message);
    expect(change.status).toBe("deleted");
    expect(change.previous_status).toBe("running");
    expect(change.reason).toBe("ttl_expired");
    expect(change.stack.stack_id).toBe("stack-a");
  });

  it("publishes nothing for a stack restored at start", () => {
    const { actors, feed, history } = harness();
    const { delivered } = subscribe(feed);
    actors.push(restored("stack-a", "running"));
    expect(delivered).toEqual([]);
    expect(feed.latestSeq()).toBe(0);
    expect(history.bounds()).toEqual({ oldest: 0, latest: 0 });
  });

  it("records every published change in the history", () => {
    const { actors, history } = harness();
    actors.push(created("stack-a"));
    actors.push(changed("stack-a", "creating", "running"));
    expect(history.bounds()).toEqual({ oldest: 1, latest: 2 });
    expect(parseAll(history.since(0)).map((message) => asChange(message).seq)).toEqual([1, 2]);
  });
});

describe("ChangeFeed.open without since", () => {
  it("sends a snapshot of every current stack at the current seq", () => {
    const { actors, feed } = harness();
    actors.push(created("stack-a"));
    actors.push(created("stack-b"));
    actors.push(changed("stack-a", "creating", "running"));
    const { initial } = subscribe(feed);
    expect(initial).toHaveLength(1);
    const [snapshot] = initial;
    expect(snapshot?.type).toBe("snapshot");
    if (snapshot?.type !== "snapshot") return;
    expect(snapshot.seq).toBe(3);
    expect(snapshot.stacks.map((stack) => [stack.stack_id, stack.status])).toEqual([
      ["stack-a", "running"],
      ["stack-b", "creating"],
    ]);
  });

  it("sends an empty snapshot at seq 0 before any change", () => {
    const { feed } = harness();
    expect(subscribe(feed).initial).toEqual([{ type: "snapshot", seq: 0, stacks: [] }]);
  });

  it("leaves removed stacks out of the snapshot", () => {
    const { actors, feed } = harness();
    actors.push(created("stack-a"));
    actors.push(created("stack-b"));
    actors.push(removed("stack-a", "creating", "deleted"));
    const [snapshot] = subscribe(feed).initial;
    if (snapshot?.type !== "snapshot") throw new Error("expected a snapshot");
    expect(snapshot.stacks.map((stack) => stack.stack_id)).toEqual(["stack-b"]);
  });

  it("sends a snapshot of only the named stack when given a stack_id", () => {
    const { actors, feed } = harness();
    actors.push(created("stack-a"));
    actors.push(created("stack-b"));
    const [snapshot] = subscribe(feed, { stackId: "stack-b" }).initial;
    if (snapshot?.type !== "snapshot") throw new Error("expected a snapshot");
    expect(snapshot.seq).toBe(2);
    expect(snapshot.stacks.map((stack) => stack.stack_id)).toEqual(["stack-b"]);
  });

  it("sends an empty snapshot for a stack_id that does not exist", () => {
    const { actors, feed } = harness();
    actors.push(created("stack-a"));
    expect(subscribe(feed, { stackId: "stack-missing" }).initial).toEqual([
      { type: "snapshot", seq: 1, stacks: [] },
    ]);
  });
});

describe("ChangeFeed.open with since", () => {
  function withChanges(options: HarnessOptions = {}) {
    const setup = harness(options);
    setup.actors.push(created("stack-a")); // 1
    setup.actors.push(created("stack-b")); // 2
    setup.actors.push(changed("stack-a", "creating", "running")); // 3
    setup.actors.push(changed("stack-b", "creating", "failed", "ImagePullBackOff")); // 4
    return setup;
  }

  it("replays only the changes after since, oldest first", () => {
    const { feed } = withChanges();
    const { initial } = subscribe(feed, { since: 2 });
    expect(initial.map((message) => asChange(message).seq)).toEqual([3, 4]);
  });

  it("replays every kept change from since 0", () => {
    const { feed } = withChanges();
    expect(subscribe(feed, { since: 0 }).initial.map((message) => asChange(message).seq)).toEqual([
      1, 2, 3, 4,
    ]);
  });

  it("replays only the named stack's later changes when given a stack_id", () => {
    const { feed } = withChanges();
    const { initial } = subscribe(feed, { since: 1, stackId: "stack-a" });
    expect(initial.map((message) => [asChange(message).seq, asChange(message).stack_id])).toEqual([
      [3, "stack-a"],
    ]);
  });

  it("sends nothing first when since is the latest seq", () => {
    const { feed } = withChanges();
    expect(subscribe(feed, { since: 4 }).initial).toEqual([]);
  });

  it("sends a since_in_future resync then a snapshot when since is ahead of the feed", () => {
    const { feed } = withChanges();
    const { initial } = subscribe(feed, { since: 5 });
    expect(initial.map((message) => message.type)).toEqual(["resync", "snapshot"]);
    expect(initial[0]).toEqual({ type: "resync", reason: "since_in_future", seq: 4 });
    const snapshot = initial[1];
    if (snapshot?.type !== "snapshot") throw new Error("expected a snapshot");
    expect(snapshot.seq).toBe(4);
    expect(snapshot.stacks.map((stack) => stack.stack_id)).toEqual(["stack-a", "stack-b"]);
  });

  it("limits the snapshot after a resync to the named stack", () => {
    const { feed } = withChanges();
    const { initial } = subscribe(feed, { since: 99, stackId: "stack-a" });
    const snapshot = initial[1];
    if (snapshot?.type !== "snapshot") throw new Error("expected a snapshot");
    expect(snapshot.stacks.map((stack) => stack.stack_id)).toEqual(["stack-a"]);
  });

  describe("once the history has been pruned", () => {
    /** 15 changes with a 10-message history: seqs 6..15 are kept. */
    function pruned() {
      const setup = harness({ historyLimit: 10 });
      setup.actors.push(created("stack-a"));
      for (let index = 2; index <= 15; index += 1) {
        const [from, to]: [StackStatus, StackStatus] =
          index % 2 === 0 ? ["creating", "running"] : ["running", "creating"];
        setup.actors.push(changed("stack-a", from, to));
      }
      return setup;
    }

    it("keeps only the last history-limit changes", () => {
      const { history, feed } = pruned();
      expect(feed.latestSeq()).toBe(15);
      expect(history.bounds()).toEqual({ oldest: 6, latest: 15 });
    });

    it("sends a since_too_old resync then a snapshot when changes after since were pruned", () => {
      const { feed } = pruned();
      const { initial } = subscribe(feed, { since: 4 });
      expect(initial.map((message) => message.type)).toEqual(["resync", "snapshot"]);
      expect(initial[0]).toEqual({ type: "resync", reason: "since_too_old", seq: 15 });
      const snapshot = initial[1];
      if (snapshot?.type !== "snapshot") throw new Error("expected a snapshot");
      expect(snapshot.seq).toBe(15);
      expect(snapshot.stacks.map((stack) => stack.stack_id)).toEqual(["stack-a"]);
    });

    it("sends a since_too_old resync for since 0", () => {
      const { feed } = pruned();
      expect(subscribe(feed, { since: 0 }).initial[0]).toEqual({
        type: "resync",
        reason: "since_too_old",
        seq: 15,
      });
    });

    it("replays when since is just before the oldest kept change", () => {
      const { feed } = pruned();
      const { initial } = subscribe(feed, { since: 5 });
      expect(initial.map((message) => asChange(message).seq)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    });
  });
});

describe("ChangeFeed across a restart", () => {
  it("continues the seq from the history's latest when a new feed opens the same database", () => {
    const db = openDatabase(":memory:");
    const before = harness({ db });
    before.actors.push(created("stack-a"));
    before.actors.push(changed("stack-a", "creating", "running"));
    before.feed.stop();

    const after = harness({ db });
    expect(after.feed.latestSeq()).toBe(2);
    const { delivered } = subscribe(after.feed);
    after.actors.push(changed("stack-a", "running", "stopped", "Completed"));
    expect(delivered.map((entry) => entry.seq)).toEqual([3]);
    expect(after.history.bounds()).toEqual({ oldest: 1, latest: 3 });
  });

  it("replays changes published before the restart to a client reconnecting with since", () => {
    const db = openDatabase(":memory:");
    const before = harness({ db });
    before.actors.push(created("stack-a"));
    before.actors.push(changed("stack-a", "creating", "running"));
    before.feed.stop();

    const after = harness({ db });
    expect(subscribe(after.feed, { since: 1 }).initial.map((message) => asChange(message).seq)).toEqual([2]);
  });
});

describe("ChangeFeed subscribers", () => {
  it("delivers a subscriber with a stack_id only that stack's changes", () => {
    const { actors, feed } = harness();
    const onlyB = subscribe(feed, { stackId: "stack-b" });
    const everyone = subscribe(feed);
    actors.push(created("stack-a"));
    actors.push(created("stack-b"));
    actors.push(changed("stack-a", "creating", "running"));
    expect(onlyB.delivered.map((entry) => [entry.seq, asChange(entry.message).stack_id])).toEqual([
      [2, "stack-b"],
    ]);
    expect(everyone.delivered.map((entry) => entry.seq)).toEqual([1, 2, 3]);
  });

  it("stops delivering to a subscription once it is closed", () => {
    const { actors, feed } = harness();
    const closed = subscribe(feed);
    const open = subscribe(feed);
    actors.push(created("stack-a"));
    closed.subscription.close();
    actors.push(created("stack-b"));
    expect(closed.delivered.map((entry) => entry.seq)).toEqual([1]);
    expect(open.delivered.map((entry) => entry.seq)).toEqual([1, 2]);
    expect(feed.subscriberCount()).toBe(1);
  });

  it("stops listening to the actors and drops every subscriber on stop", () => {
    const { actors, feed } = harness();
    const { delivered } = subscribe(feed);
    feed.stop();
    actors.push(created("stack-a"));
    expect(delivered).toEqual([]);
    expect(feed.subscriberCount()).toBe(0);
    expect(feed.latestSeq()).toBe(0);
    expect(actors.listenerCount()).toBe(1); // only the read side's
  });
});

describe("ChangeFeed when the history cannot be written", () => {
  class FailingHistory extends EventHistory {
    override append(): void {
      throw new Error("disk I/O error");
    }
  }

  it("still delivers the change to subscribers and logs the failure with its seq", () => {
    const db = openDatabase(":memory:");
    const { actors, feed, logs } = harness({
      db,
      history: new FailingHistory(db, { count: 100, bytes: 64 * 1_048_576 }),
    });
    const { delivered } = subscribe(feed);
    actors.push(created("stack-a"));
    expect(delivered.map((entry) => entry.seq)).toEqual([1]);
    expect(feed.latestSeq()).toBe(1);
    expect(logs).toEqual([
      expect.objectContaining({
        level: "error",
        msg: "cannot record stack change in history",
        seq: 1,
        error: expect.objectContaining({ message: "disk I/O error" }),
      }),
    ]);
  });

  /** Fails to record exactly the given seqs. */
  class GappyHistory extends EventHistory {
    #failing: Set<number>;
    constructor(db: Database, failing: number[]) {
      super(db, { count: 100, bytes: 64 * 1_048_576 });
      this.#failing = new Set(failing);
    }
    override append(seq: number, stackId: string, at: number, message: string, podSpec: string): void {
      if (this.#failing.has(seq)) throw new Error("disk I/O error");
      super.append(seq, stackId, at, message, podSpec);
    }
  }

  it("resyncs (history_gap) a client reconnecting with a since before a change the history failed to record", () => {
    const db = openDatabase(":memory:");
    const { actors, feed } = harness({ db, history: new GappyHistory(db, [2]) });
    actors.push(created("stack-a")); // 1, recorded
    actors.push(created("stack-b")); // 2, delivered live but not recorded
    actors.push(changed("stack-a", "creating", "running")); // 3, recorded
    const { initial } = subscribe(feed, { since: 1 });
    expect(initial.map((message) => message.type)).toEqual(["resync", "snapshot"]);
  });

  // Known limit: the seq restarts from the history's latest, so a change lost just before a restart
  // has its seq used again. Run with `bun test --todo` to see it fail.
  it.todo("never reuses a seq after a restart that follows a failed history write", () => {
    const db = openDatabase(":memory:");
    const before = harness({ db, history: new GappyHistory(db, [2]) });
    before.actors.push(created("stack-a")); // 1, recorded
    before.actors.push(created("stack-b")); // 2, delivered live but not recorded
    before.feed.stop();
    const after = harness({ db });
    expect(after.feed.latestSeq()).toBeGreaterThanOrEqual(2);
  });

  it("still delivers the change when the database has been closed", () => {
    const db = openDatabase(":memory:");
    const { actors, feed, logs } = harness({ db });
    const { delivered } = subscribe(feed);
    db.close();
    actors.push(created("stack-a"));
    expect(delivered.map((entry) => entry.seq)).toEqual([1]);
    expect(logs.map((line) => [line.level, line.msg])).toEqual([
      ["error", "cannot record stack change in history"],
    ]);
  });
});

describe("EventHistory storage", () => {
  it("keeps each stack's pod_spec once and puts it back into every replayed message", () => {
    const { actors, feed, db } = harness();
    actors.push(created("stack-a"));
    actors.push(changed("stack-a", "creating", "running"));
    const stored = db.query<{ message: string }, []>("SELECT message FROM stack_events").all();
    expect(stored.every((row) => row.message.includes('"pod_spec":""'))).toBe(true);
    expect(db.query<{ n: number }, []>("SELECT COUNT(*) AS n FROM stack_specs").get()?.n).toBe(1);
    const replayed = subscribe(feed, { since: 0 }).initial;
    const specs = replayed.map((message) => (message.type === "change" ? message.stack.pod_spec : undefined));
    expect(specs).toEqual([storedStackFixture("stack-a").pod_spec, storedStackFixture("stack-a").pod_spec]);
  });

  it("stays within LIVE_HISTORY_BYTES by dropping the oldest changes and the specs no change needs", () => {
    const { actors, feed, history } = harness({ historyBytes: 8 * 1024 });
    for (let index = 0; index < 40; index += 1) actors.push(created(`stack-${index}`));
    expect(history.bytes()).toBeLessThanOrEqual(8 * 1024);
    const { oldest, latest } = history.bounds();
    expect(latest).toBe(40);
    expect(oldest).toBeGreaterThan(1);
    const replay = subscribe(feed, { since: oldest - 1 }).initial;
    expect(replay.map((message) => message.type)).toEqual(Array(latest - oldest + 1).fill("change"));
    expect(subscribe(feed, { since: 0 }).initial[0]?.type).toBe("resync");
  });
});

describe("ChangeFeed streams across replicas", () => {
  it("starts a new history at a random multiple of 2^32 unless told otherwise", () => {
    const db = openDatabase(":memory:");
    const history = new EventHistory(db, { count: 10, bytes: 1_048_576 });
    const actors = new FakeActors() as unknown as StackActors;
    const feed = new ChangeFeed(
      actors,
      new StackReads(actors, () => 0),
      history,
      createLogger({ level: "error" }),
    );
    expect(feed.latestSeq() % 2 ** 32).toBe(0);
    expect(feed.latestSeq()).toBeGreaterThan(0);
  });

  it("resyncs a client whose since comes from another replica's stream, below or above this one", () => {
    const { feed } = harness({ streamBase: 5 * 2 ** 32 });
    const below = feed.open({ since: 3 * 2 ** 32 + 17 }, () => {}).initial.map(parse);
    expect(below[0]).toEqual({ type: "resync", reason: "other_stream", seq: 5 * 2 ** 32 });
    expect(below[1]?.type).toBe("snapshot");
    const above = feed.open({ since: 9 * 2 ** 32 + 1 }, () => {}).initial.map(parse);
    expect(above[0]).toMatchObject({ type: "resync", reason: "since_in_future" });
  });
});

/** Parses a `fields=summary` message: snapshots and changes must match the summary schemas (no `pod_spec`). */
function parseSummary(text: string): LiveMessageType {
  const message = JSON.parse(text) as LiveMessageType;
  const schema =
    message.type === "snapshot"
      ? LiveMessage.summarySnapshot
      : message.type === "change"
        ? LiveMessage.summaryChange
        : LiveMessage[message.type];
  expect([...Value.Errors(schema, message)].map((error) => `${error.path}: ${error.message}`)).toEqual([]);
  expect(text).not.toContain("pod_spec");
  return message;
}

describe("ChangeFeed with fields=summary", () => {
  it("sends a snapshot whose records lack pod_spec and keep every other field", () => {
    const { actors, feed } = harness();
    actors.push(created("stack-a"));
    actors.push(changed("stack-b", "creating", "failed", "ErrImagePull"));
    const [snapshot] = feed.open({ fields: "summary" }, () => {}).initial.map(parseSummary);
    expect(snapshot).toMatchObject({ type: "snapshot", seq: 2 });
    const { pod_spec: _spec, acknowledged: _ack, ...rest } = storedStackFixture("stack-a");
    expect((snapshot as { stacks: unknown[] }).stacks[0]).toEqual(rest);
  });

  it("narrows a summary snapshot to the named stack", () => {
    const { actors, feed } = harness();
    actors.push(created("stack-a"));
    actors.push(created("stack-b"));
    const [snapshot] = feed
      .open({ fields: "summary", stackId: "stack-b" }, () => {})
      .initial.map(parseSummary);
    expect((snapshot as { stacks: Array<{ stack_id: string }> }).stacks.map((s) => s.stack_id)).toEqual([
      "stack-b",
    ]);
  });

  it("delivers changes without pod_spec to summary subscribers and with it to the others", () => {
    const { actors, feed } = harness();
    const summaries: string[] = [];
    const full: string[] = [];
    feed.open({ fields: "summary" }, (text) => summaries.push(text));
    feed.open({}, (text) => full.push(text));
    actors.push(created("stack-a"));
    actors.push(changed("stack-a", "creating", "failed", "ErrImagePull"));
    expect(summaries.map(parseSummary).map((message) => asChange(message).status)).toEqual([
      "creating",
      "failed",
    ]);
    expect(asChange(parseSummary(summaries[1] ?? "")).stack.status_reason).toBe("ErrImagePull");
    expect(full.map(parse).map((message) => asChange(message).stack.pod_spec)).toEqual([
      "kind: Pod\n",
      "kind: Pod\n",
    ]);
  });

  it("replays the history after since without pod_spec", () => {
    const { actors, feed } = harness();
    actors.push(created("stack-a"));
    actors.push(changed("stack-a", "creating", "running"));
    actors.push(removed("stack-a", "running", "deleted"));
    const replay = feed.open({ fields: "summary", since: 1 }, () => {}).initial.map(parseSummary);
    expect(replay.map((message) => asChange(message).status)).toEqual(["running", "deleted"]);
    expect(asChange(replay[0]).stack).toMatchObject({ stack_id: "stack-a", node_port: 31001 });
  });

  it("resyncs a summary client with a summary snapshot", () => {
    const { actors, feed } = harness();
    actors.push(created("stack-a"));
    const initial = feed.open({ fields: "summary", since: 99 }, () => {}).initial.map(parseSummary);
    expect(initial.map((message) => message.type)).toEqual(["resync", "snapshot"]);
  });
});

describe("ChangeFeed with snapshot_slice", () => {
  const ids = (message: unknown) =>
    (message as { stacks: Array<{ stack_id: string }> }).stacks.map((s) => s.stack_id);

  it("sends the snapshot as numbered parts of at most N records, in list order", () => {
    const { actors, feed } = harness();
    for (const id of ["stack-a", "stack-b", "stack-c", "stack-d", "stack-e"]) actors.push(created(id));
    const parts = feed.open({ fields: "summary", snapshotSlice: 2 }, () => {}).initial.map(parseSummary);
    const numbering = parts.map((part) =>
      part.type === "snapshot_part" ? `${part.part}/${part.parts}` : part.type,
    );
    expect(numbering).toEqual(["1/3", "2/3", "3/3"]);
    expect(parts.flatMap(ids)).toEqual(["stack-a", "stack-b", "stack-c", "stack-d", "stack-e"]);
    expect(parts.every((part) => part.seq === 5)).toBe(true);
  });

  it("sends one empty part when there is no stack", () => {
    const { feed } = harness();
    const parts = feed.open({ snapshotSlice: 100 }, () => {}).initial.map((text) => JSON.parse(text));
    expect(parts).toEqual([{ type: "snapshot_part", seq: 0, part: 1, parts: 1, stacks: [] }]);
  });

  it("slices the snapshot that follows a resync too, and never a one-stack snapshot", () => {
    const { actors, feed } = harness();
    actors.push(created("stack-a"));
    actors.push(created("stack-b"));
    const resynced = feed
      .open({ since: 99, snapshotSlice: 1 }, () => {})
      .initial.map((text) => JSON.parse(text));
    expect(resynced.map((message) => message.type)).toEqual(["resync", "snapshot_part", "snapshot_part"]);
    const one = feed
      .open({ stackId: "stack-b", snapshotSlice: 1 }, () => {})
      .initial.map((text) => JSON.parse(text));
    expect(one.map((message) => message.type)).toEqual(["snapshot"]);
  });
});

import { describe, expect, it } from "bun:test";
import { createActor, fromPromise, SimulatedClock } from "xstate";
import { leadershipMachine, mayWrite } from "../../../machines/leadership.machine.ts";
import type {
  LeadershipMode,
  LeaseReading,
  LeaseWriteOutcome,
  ObservedLease,
} from "../../../machines/leadership.types.ts";

const timing = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

/**
 * The Lease as the API server keeps it, reduced to what the machine sees: writes from the version
 * read (409 otherwise), a version that changes on every write, and an API server that can go silent.
 */
class LeaseBook {
  lease: ObservedLease | null = null;
  #version = 0;
  silent = false;
  writes: string[] = [];

  constructor(readonly clock: SimulatedClock) {}

  put(holder: string, acquireTime = "2026-12-06T00:00:00.000000Z") {
    this.#version += 1;
    this.lease = {
      holder,
      version: String(this.#version),
      durationMs: timing.leaseDurationMs,
      acquireTime,
      leaderUrl: `http://${holder}`,
      instance: "stackd",
      holderGone: false,
      transitions: 0,
    };
  }

  read(): Promise<LeaseReading> {
    if (this.silent) return Promise.reject(new Error("kubernetes unavailable: timeout"));
    return Promise.resolve({ lease: this.lease ? { ...this.lease } : null, at: this.clock.now() });
  }

  write(identity: string, from: ObservedLease | null | "renew"): Promise<LeaseWriteOutcome> {
    if (this.silent) return Promise.reject(new Error("kubernetes unavailable: timeout"));
    const at = this.clock.now();
    if (from === "renew") {
      if (this.lease && this.lease.holder !== identity)
        return Promise.resolve({ kind: "lost", holder: this.lease.holder });
    } else if ((from?.version ?? null) !== (this.lease?.version ?? null))
      return Promise.resolve({ kind: "lost", holder: null });
    this.put(identity);
    this.writes.push(identity);
    return Promise.resolve({ kind: "written", startedAt: at, finishedAt: at });
  }
}

/** A simulated clock and the Lease as the API server keeps it, for one case. */
function scene() {
  const clock = new SimulatedClock();
  return { clock, book: new LeaseBook(clock) };
}

function candidate(
  book: LeaseBook,
  identity: string,
  mode: LeadershipMode = "replica",
  takeOver = () => Promise.resolve(),
) {
  const released: string[] = [];
  const machine = leadershipMachine.provide({
    actors: {
      readLease: fromPromise(() => book.read()),
      acquireLease: fromPromise(({ input }) => book.write(identity, input.lease)),
      renewLease: fromPromise(() => book.write(identity, "renew")),
      takeOver: fromPromise(takeOver),
      releaseLease: fromPromise(async () => {
        if (book.lease?.holder === identity) book.put("");
        released.push(identity);
      }),
    },
  });
  const actor = createActor(machine, {
    clock: book.clock,
    input: { mode, identity, instance: "stackd", ...timing },
  });
  actor.start();
  actor.send({ type: "start" });
  return { actor, released, writes: () => mayWrite(actor.getSnapshot(), book.clock.now()) };
}

/** Lets the promises the machine invoked settle. */
const settle = async () => {
  for (let turn = 0; turn < 10; turn += 1) await Promise.resolve();
};

/** Moves the simulated clock on in 100 ms steps, letting invoked promises settle at each. */
async function advance(clock: SimulatedClock, ms: number) {
  await settle();
  for (let passed = 0; passed < ms; passed += 100) {
    clock.increment(Math.min(100, ms - passed));
    await settle();
  }
}

/** A leader that renews on its own (`a`, named by the Lease at the start, as after a restart) and a follower. */
async function leaderAndFollower(clock: SimulatedClock, book: LeaseBook) {
  book.put("a");
  const a = candidate(book, "a");
  await advance(clock, 0);
  expect(a.actor.getSnapshot().hasTag("leader")).toBe(true);
  const b = candidate(book, "b");
  await advance(clock, 0);
  return { a, b };
}

describe("leadership machine (replicas)", () => {
  it("creates a missing Lease only after a whole lease duration without one, and writes only a renew deadline later", async () => {
    const { clock, book } = scene();
    const b = candidate(book, "b");
    await advance(clock, 14_000);
    expect(b.actor.getSnapshot().hasTag("holding")).toBe(false);
    await advance(clock, 3_000);
    // It holds the Lease (and renews it), but a leader whose Lease came and went between two of its
    // reads may still be writing: nothing is written until that one's deadline has passed.
    expect(book.lease?.holder).toBe("b");
    expect(b.writes()).toBe(false);
    await advance(clock, 8_000);
    expect(b.writes()).toBe(false);
    await advance(clock, 2_100);
    expect(b.actor.getSnapshot().hasTag("leader")).toBe(true);
    expect(b.writes()).toBe(true);
  });

  it("never lets two write when a Lease is created and deleted between two of a follower's reads", async () => {
    const { clock, book } = scene();
    const b = candidate(book, "b");
    await advance(clock, 14_900);
    // a creates the Lease and leads, then someone deletes the Lease before b reads again
    book.put("a");
    const a = candidate(book, "a");
    await advance(clock, 0);
    expect(a.writes()).toBe(true);
    book.lease = null;
    let bothWrote = false;
    for (let step = 0; step < 60; step += 1) {
      await advance(clock, 500);
      if (a.writes() && b.writes()) bothWrote = true;
    }
    expect(bothWrote).toBe(false);
    expect([a, b].filter((c) => c.writes())).toHaveLength(1);
  });

  it("follows a leader that renews, and never writes", async () => {
    const { clock, book } = scene();
    const { b } = await leaderAndFollower(clock, book);
    await advance(clock, 60_000);
    expect(b.actor.getSnapshot().matches("observing")).toBe(true);
    expect(b.writes()).toBe(false);
    expect(book.writes.filter((who) => who === "b")).toEqual([]);
  });

  it("takes over a leader that stopped renewing, only after its lease duration", async () => {
    const { clock, book } = scene();
    const { a, b } = await leaderAndFollower(clock, book);
    a.actor.stop(); // frozen: it renews no more, and releases nothing
    await advance(clock, 12_000);
    expect(b.actor.getSnapshot().hasTag("holding")).toBe(false);
    await advance(clock, 6_000);
    expect(b.actor.getSnapshot().hasTag("leader")).toBe(true);
  });

  it("keeps one leader when the Lease is deleted: the leader creates it again and the follower waits", async () => {
    const { clock, book } = scene();
    const { a, b } = await leaderAndFollower(clock, book);
    book.lease = null;
    for (let step = 0; step < 40; step += 1) {
      await advance(clock, 500);
      const leaders = [a, b].filter((c) => c.writes());
      expect(leaders.length).toBeLessThanOrEqual(1);
    }
    expect(a.writes()).toBe(true);
    expect((book.lease as ObservedLease | null)?.holder).toBe("a");
  });

  it("never lets two write when a frozen leader's Lease is deleted: the follower waits out its deadline", async () => {
    const { clock, book } = scene();
    const { a, b } = await leaderAndFollower(clock, book);
    await advance(clock, 1_000);
    a.actor.stop(); // frozen (SIGSTOP): its timers stop, and its fence judges the clock when it resumes
    book.lease = null;
    let bothWrote = false;
    for (let step = 0; step < 60; step += 1) {
      await advance(clock, 500);
      if (a.writes() && b.writes()) bothWrote = true;
    }
    expect(bothWrote).toBe(false);
    expect(b.actor.getSnapshot().hasTag("leader")).toBe(true);
  });

  it("stands down at once when a renew finds another holder", async () => {
    const { clock, book } = scene();
    book.put("a");
    const a = candidate(book, "a");
    await advance(clock, 0);
    book.put("intruder");
    await advance(clock, 2_100);
    expect(a.actor.getSnapshot().matches("standingDown")).toBe(true);
    expect(a.actor.getSnapshot().context.verdict).toContain("intruder");
    expect(a.writes()).toBe(false);
  });

  it("stands down at the renew deadline while the API server is silent", async () => {
    const { clock, book } = scene();
    book.put("a");
    const a = candidate(book, "a");
    await advance(clock, 0);
    book.silent = true;
    await advance(clock, 9_900);
    expect(a.writes()).toBe(true);
    await advance(clock, 200);
    expect(a.actor.getSnapshot().matches("standingDown")).toBe(true);
    expect(a.actor.getSnapshot().context.verdict).toContain("kubernetes unavailable: timeout");
  });

  it("closes the write fence as soon as the clock jumps past the renew deadline, before any timer fires", async () => {
    const { clock, book } = scene();
    book.put("a");
    const a = candidate(book, "a");
    await advance(clock, 0);
    const snapshot = a.actor.getSnapshot();
    expect(mayWrite(snapshot, clock.now() + 9_999)).toBe(true);
    expect(mayWrite(snapshot, clock.now() + 10_000)).toBe(false);
  });

  it("takes a released Lease at once", async () => {
    const { clock, book } = scene();
    const { a, b } = await leaderAndFollower(clock, book);
    const stopping = a.actor;
    stopping.send({ type: "stop" });
    await advance(clock, 0);
    expect(a.released).toEqual(["a"]);
    await advance(clock, 2_100);
    expect(b.actor.getSnapshot().hasTag("leader")).toBe(true);
  });

  it("stands down when its takeover fails", async () => {
    const { clock, book } = scene();
    book.put("b");
    const b = candidate(book, "b", "replica", () => Promise.reject(new Error("no view")));
    await advance(clock, 0);
    expect(b.actor.getSnapshot().matches("standingDown")).toBe(true);
    expect(b.actor.getSnapshot().context.verdict).toBe("the takeover failed: no view");
  });
});

describe("leadership machine (a single stackd)", () => {
  it("creates a missing Lease at once", async () => {
    const { clock, book } = scene();
    const single = candidate(book, "s", "single");
    await advance(clock, 0);
    expect(single.actor.getSnapshot().hasTag("single")).toBe(true);
    expect(single.writes()).toBe(true);
  });

  it("is refused when another live process holds the instance, naming it and since when", async () => {
    const { clock, book } = scene();
    const first = candidate(book, "first", "single");
    await advance(clock, 0);
    const second = candidate(book, "second", "single");
    await advance(clock, 5_000);
    expect(second.actor.getSnapshot().matches("refused")).toBe(true);
    expect(second.actor.getSnapshot().context.verdict).toBe(
      "instance stackd is held by first since 2026-12-06T00:00:00.000000Z",
    );
    expect(first.writes()).toBe(true);
  });

  it("takes the instance of a process that stopped renewing, after a lease duration", async () => {
    const { clock, book } = scene();
    book.put("dead");
    const single = candidate(book, "s", "single");
    await advance(clock, 14_000);
    expect(single.writes()).toBe(false);
    await advance(clock, 2_000);
    expect(single.actor.getSnapshot().hasTag("single")).toBe(true);
  });

  it("takes at once the instance of a process of this host that no longer runs", async () => {
    const { clock, book } = scene();
    book.put("crashed");
    if (book.lease) book.lease.holderGone = true;
    const single = candidate(book, "s", "single");
    await advance(clock, 0);
    expect(single.writes()).toBe(true);
  });

  it("stops writing while its renews fail, and writes again once one is accepted", async () => {
    const { clock, book } = scene();
    const single = candidate(book, "s", "single");
    await advance(clock, 0);
    book.silent = true;
    await advance(clock, 12_000);
    expect(single.writes()).toBe(false);
    expect(single.actor.getSnapshot().hasTag("single")).toBe(true);
    book.silent = false;
    await advance(clock, 2_100);
    expect(single.writes()).toBe(true);
  });

  it("refuses a Lease that elects another instance", async () => {
    const { clock, book } = scene();
    book.put("other");
    if (book.lease) book.lease.instance = "ctf-b";
    const single = candidate(book, "s", "single");
    await advance(clock, 0);
    expect(single.actor.getSnapshot().matches("refused")).toBe(true);
    expect(single.actor.getSnapshot().context.verdict).toContain("set LEADER_ELECTION_NAME");
  });
});

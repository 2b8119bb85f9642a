import { type Actor, createActor, fromPromise, type SimulatedClock } from "xstate";
import { type LeadershipSnapshot, leadershipMachine, mayWrite } from "../../machines/leadership.machine.ts";
import type { LeadershipMode } from "../../machines/leadership.types.ts";
import { LeaseClient, type LeaseClientOptions } from "./lease-client.ts";

export interface LeaderInfo {
  identity: string;
  /** Where the leader takes writes; null when its Lease does not say. */
  url: string | null;
}

/** A single stackd found its instance held by another live process (exit 1). */
export class InstanceHeldError extends Error {
  readonly code = "INSTANCE_HELD";
}

export interface LeaseElectorOptions extends Omit<LeaseClientOptions, "monotonicNow" | "wallNow"> {
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /** `replica` (default): one leader among several; `single`: hold the instance alone, or refuse to run. */
  mode?: LeadershipMode;
  /** A replica's takeover once it holds the Lease; a rejection stands it down. */
  takeOver?: () => Promise<void>;
  /** This process holds the lease (a replica then takes over). */
  onStartedLeading?: () => void;
  /** This replica lost its lease or could not renew in time and has stopped acting (it never leads again). */
  onStoppedLeading?: () => void;
  /** A clock that keeps running while the process is stopped (SIGSTOP) and never jumps. */
  monotonicNow?: () => number;
  /** The wall clock written into the Lease (acquireTime, renewTime). */
  wallNow?: () => number;
  /** The timers' clock (a SimulatedClock in tests); by default the real one. */
  clock?: SimulatedClock;
}

/**
 * Leader election on a `coordination.k8s.io/v1` Lease: runs the leadership machine
 * (machines/leadership.machine.ts), which decides, and supplies its reads and writes of the Lease.
 * `isLeading()` is the fence every write asks.
 */
export class LeaseElector {
  #options: LeaseElectorOptions;
  #mono: () => number;
  #lease: LeaseClient;
  #actor: Actor<typeof leadershipMachine>;
  #loggedError: string | null = null;
  #foreignWarned = false;
  /** Holder and transitions of the Lease as last seen: changes when a term begins, not on renewals. */
  #term = "";
  #termListeners = new Set<() => void>();

  constructor(options: LeaseElectorOptions) {
    this.#options = options;
    this.#mono =
      options.monotonicNow ?? (options.clock ? () => options.clock?.now() ?? 0 : () => performance.now());
    this.#lease = new LeaseClient({
      ...options,
      monotonicNow: this.#mono,
      wallNow: options.wallNow ?? Date.now,
    });
    const machine = leadershipMachine.provide({
      actors: {
        readLease: fromPromise(() => this.#lease.read()),
        acquireLease: fromPromise(({ input }) => this.#lease.acquire(input.lease)),
        renewLease: fromPromise(() => this.#lease.renew()),
        takeOver: fromPromise(() => options.takeOver?.() ?? Promise.resolve()),
        releaseLease: fromPromise(() => this.#lease.release()),
      },
    });
    this.#actor = createActor(machine, {
      input: {
        mode: options.mode ?? "replica",
        identity: options.identity,
        instance: options.instance,
        leaseDurationMs: options.leaseDurationMs,
        renewDeadlineMs: options.renewDeadlineMs,
        retryPeriodMs: options.retryPeriodMs,
      },
      ...(options.clock ? { clock: options.clock } : {}),
    });
    let previous = this.#actor.getSnapshot();
    this.#actor.subscribe((snapshot) => {
      this.#report(previous, snapshot);
      previous = snapshot;
      this.#setTerm(this.#termOf(snapshot));
    });
  }

  /** Starts trying to acquire (and then to renew) the lease, once per retry period. */
  start(): void {
    if (this.#actor.getSnapshot().status === "active" && this.#actor.getSnapshot().matches("idle")) {
      this.#actor.start();
      this.#actor.send({ type: "start" });
    }
  }

  /**
   * Resolves once this process holds the Lease; rejects when it may not (another live process holds it)
   * or when the Lease cannot be read or written (the start fails, naming why).
   */
  held(): Promise<void> {
    this.start();
    return new Promise((resolve, reject) => {
      const settle = (snapshot: LeadershipSnapshot) => {
        if (snapshot.hasTag("holding")) resolve();
        // At start a Lease that cannot be read or written fails the start, naming why (as a list would).
        else if (snapshot.context.lastError !== null)
          reject(new Error(`cannot take the instance's Lease: ${snapshot.context.lastError}`));
        else if (snapshot.matches("refused"))
          reject(new InstanceHeldError(snapshot.context.verdict ?? "the instance is held elsewhere"));
        else if (snapshot.status === "done") reject(new Error("stopped before holding the instance"));
        else return false;
        return true;
      };
      if (settle(this.#actor.getSnapshot())) return;
      const subscription = this.#actor.subscribe((snapshot) => {
        if (settle(snapshot)) subscription.unsubscribe();
      });
    });
  }

  /** True while this process holds the lease and renewed it within the renew deadline. */
  isLeading(): boolean {
    return mayWrite(this.#actor.getSnapshot(), this.#mono());
  }

  /** The machine's snapshot: its state and tags (`holding`, `leader`, `taking_over`, `single`). */
  snapshot(): LeadershipSnapshot {
    return this.#actor.getSnapshot();
  }

  /** The leadership term as this replica sees it (holder and transitions; "" before the first read). */
  leaderTerm(): string {
    return this.#term;
  }

  /** Calls `listener` whenever `leaderTerm()` changes. */
  onLeaderTermChange(listener: () => void): () => void {
    this.#termListeners.add(listener);
    return () => this.#termListeners.delete(listener);
  }

  /** The uid the API server gave the Lease ("" until read): the secret forwarded requests are signed with. */
  leaseUid(): string {
    return this.#lease.uid();
  }

  #termOf(snapshot: LeadershipSnapshot): string {
    if (snapshot.hasTag("holding")) return `${this.#options.identity}#held`;
    const leader = this.leader();
    return leader ? `${leader.identity}#${snapshot.context.observation?.lease?.transitions ?? 0}` : "";
  }

  #setTerm(term: string): void {
    if (term === this.#term) return;
    this.#term = term;
    for (const listener of this.#termListeners) listener();
  }

  /** The replica the Lease names as leader (possibly this one), or null when none holds it. */
  leader(): LeaderInfo | null {
    const snapshot = this.#actor.getSnapshot();
    if (snapshot.hasTag("holding"))
      return { identity: this.#options.identity, url: this.#options.advertiseUrl };
    const lease = snapshot.context.observation?.lease;
    if (!lease || lease.holder === "" || lease.holder === this.#options.identity) return null;
    if (lease.instance !== null && lease.instance !== this.#options.instance) return null;
    return { identity: lease.holder, url: lease.leaderUrl };
  }

  /** Why this replica may not write, or null when it leads. */
  fenceReason(): string | null {
    if (this.isLeading()) return null;
    const snapshot = this.#actor.getSnapshot();
    if (snapshot.matches("standingDown")) return "this replica lost its leader lease and no longer writes";
    if (snapshot.hasTag("single"))
      return "this process could not renew its instance lease in time and does not write";
    return "this replica is not the leader";
  }

  /** Stops; a holder gives the lease up so that a follower can take it at once. */
  async stop(): Promise<void> {
    const snapshot = this.#actor.getSnapshot();
    if (snapshot.status !== "active") return;
    if (snapshot.matches("idle")) {
      this.#actor.stop();
      return;
    }
    const stopped = new Promise<void>((resolve) => {
      const subscription = this.#actor.subscribe({
        next: (next) => {
          if (next.status !== "done") return;
          subscription.unsubscribe();
          resolve();
        },
        complete: () => resolve(),
      });
    });
    this.#actor.send({ type: "stop" });
    await stopped;
  }

  #report(previous: LeadershipSnapshot, snapshot: LeadershipSnapshot): void {
    const { logger, name } = this.#options;
    const error = snapshot.context.lastError;
    if (error && error !== this.#loggedError)
      logger.warn(snapshot.hasTag("holding") ? "cannot renew the lease" : "cannot read the lease", {
        lease: name,
        error,
      });
    this.#loggedError = error;
    const lease = snapshot.context.observation?.lease;
    if (lease?.instance && lease.instance !== this.#options.instance && !this.#foreignWarned) {
      this.#foreignWarned = true;
      logger.error("the leader Lease belongs to another STACKD_INSTANCE; set LEADER_ELECTION_NAME", {
        lease: name,
        owner: lease.instance,
      });
    }
    if (snapshot.hasTag("holding") && !previous.hasTag("holding")) {
      logger.info("acquired the lease", { lease: name, identity: this.#options.identity });
      this.#options.onStartedLeading?.();
    }
    if (snapshot.matches("standingDown") && !previous.matches("standingDown")) {
      logger.error("standing down: this replica no longer leads", {
        lease: name,
        reason: snapshot.context.verdict,
      });
      this.#options.onStoppedLeading?.();
    }
  }
}

import { hostname } from "node:os";
import type { V1Lease } from "@kubernetes/client-node";
import { type Actor, createActor, fromPromise, type SimulatedClock } from "xstate";
import { type LeadershipSnapshot, leadershipMachine, mayWrite } from "../../machines/leadership.machine.ts";
import type {
  LeadershipMode,
  LeaseReading,
  LeaseWriteOutcome,
  ObservedLease,
} from "../../machines/leadership.types.ts";
import { isConflict, isNotFound, toKubeApiError } from "../kube/errors.ts";
import type { KubeTransport } from "../kube/transport.ts";
import type { Logger } from "../log/logger.ts";

/** The Lease annotation that tells followers where to send writes. */
export const leaderUrlAnnotation = "stackd.io/leader-url";
/** The Lease annotation naming the STACKD_INSTANCE it elects (two instances never share one Lease). */
export const leaseInstanceAnnotation = "stackd.io/instance";
/** The holder's host and process id: a process of the same host that no longer runs holds nothing. */
export const holderProcessAnnotation = "stackd.io/holder-process";

export interface LeaderInfo {
  identity: string;
  /** Where the leader takes writes; null when its Lease does not say. */
  url: string | null;
}

/** A single stackd found its instance held by another live process (exit 1). */
export class InstanceHeldError extends Error {
  readonly code = "INSTANCE_HELD";
}

export interface LeaseElectorOptions {
  transport: KubeTransport;
  namespace: string;
  name: string;
  identity: string;
  instance: string;
  advertiseUrl: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  logger: Logger;
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
  /** Whether a process of this host runs (by default `kill -0`). */
  processRuns?: (pid: number) => boolean;
}

/** Lease traffic never waits behind the client rate limiter's queue of ordinary requests. */
const unthrottled = { unthrottled: true } as const;

/** Kubernetes MicroTime: RFC 3339 with six fractional digits. */
const microTime = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Leader election on a `coordination.k8s.io/v1` Lease: runs the leadership machine
 * (machines/leadership.machine.ts), which decides, and supplies its reads and writes of the Lease.
 * `isLeading()` is the fence every write asks.
 */
export class LeaseElector {
  #options: LeaseElectorOptions;
  #mono: () => number;
  #wall: () => number;
  #path: string;
  #actor: Actor<typeof leadershipMachine>;
  #holderProcess = `${hostname()}/${process.pid}`;
  #loggedError: string | null = null;
  #foreignWarned = false;
  /** Holder and transitions of the Lease as last seen: changes when a term begins, not on renewals. */
  #term = "";
  #termListeners = new Set<() => void>();
  /** The uid the API server gave the Lease ("" until read): forwarded requests are signed with it. */
  #leaseUid = "";

  constructor(options: LeaseElectorOptions) {
    this.#options = options;
    this.#mono =
      options.monotonicNow ?? (options.clock ? () => options.clock?.now() ?? 0 : () => performance.now());
    this.#wall = options.wallNow ?? Date.now;
    this.#path = `/apis/coordination.k8s.io/v1/namespaces/${options.namespace}/leases`;
    const machine = leadershipMachine.provide({
      actors: {
        readLease: fromPromise(() => this.#read()),
        acquireLease: fromPromise(({ input }) => this.#acquire(input.lease)),
        renewLease: fromPromise(() => this.#renew()),
        takeOver: fromPromise(() => options.takeOver?.() ?? Promise.resolve()),
        releaseLease: fromPromise(() => this.#release()),
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

  /** Resolves once this process holds the Lease; rejects when it may not (another live process holds it). */
  held(): Promise<void> {
    this.start();
    return new Promise((resolve, reject) => {
      const settle = (snapshot: LeadershipSnapshot) => {
        if (snapshot.hasTag("holding")) resolve();
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
    return this.#leaseUid;
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

  async #get(): Promise<V1Lease | null> {
    try {
      return await this.#options.transport.send<V1Lease>(
        "GET",
        `${this.#path}/${this.#options.name}`,
        unthrottled,
      );
    } catch (error) {
      if (isNotFound(toKubeApiError(error))) return null;
      throw error;
    }
  }

  #observed(lease: V1Lease): ObservedLease {
    this.#leaseUid = lease.metadata?.uid ?? this.#leaseUid;
    const annotations = lease.metadata?.annotations ?? {};
    const holder = lease.spec?.holderIdentity ?? "";
    return {
      holder,
      version: lease.metadata?.resourceVersion ?? "",
      durationMs: (lease.spec?.leaseDurationSeconds ?? 15) * 1000,
      acquireTime: lease.spec?.acquireTime ? String(lease.spec.acquireTime) : null,
      leaderUrl: annotations[leaderUrlAnnotation] ?? null,
      instance: annotations[leaseInstanceAnnotation] ?? null,
      holderGone: holder !== "" && this.#holderIsGone(annotations[holderProcessAnnotation]),
      transitions: lease.spec?.leaseTransitions ?? 0,
    };
  }

  /** The holder is a process of this host (not this one) that no longer runs. */
  #holderIsGone(holderProcess: string | undefined): boolean {
    if (!holderProcess || holderProcess === this.#holderProcess) return false;
    const [host, pid] = holderProcess.split("/");
    if (host !== hostname() || !pid || !/^\d+$/.test(pid)) return false;
    return !(this.#options.processRuns ?? processRuns)(Number(pid));
  }

  async #read(): Promise<LeaseReading> {
    const lease = await this.#get();
    return { lease: lease ? this.#observed(lease) : null, at: this.#mono() };
  }

  #record(acquiredAt: string, transitions: number, resourceVersion?: string): V1Lease {
    const { name, namespace, identity, instance, advertiseUrl, leaseDurationMs } = this.#options;
    return {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: {
        name,
        namespace,
        ...(resourceVersion ? { resourceVersion } : {}),
        annotations: {
          [leaderUrlAnnotation]: advertiseUrl,
          [leaseInstanceAnnotation]: instance,
          [holderProcessAnnotation]: this.#holderProcess,
        },
      },
      spec: {
        holderIdentity: identity,
        leaseDurationSeconds: Math.ceil(leaseDurationMs / 1000),
        acquireTime: acquiredAt as never,
        renewTime: microTime(this.#wall()) as never,
        leaseTransitions: transitions,
      },
    };
  }

  /** Creates the Lease, or updates it from the version observed: a 409 means another writer won. */
  async #write(method: "POST" | "PUT", body: V1Lease): Promise<LeaseWriteOutcome> {
    const startedAt = this.#mono();
    try {
      const path = method === "POST" ? this.#path : `${this.#path}/${this.#options.name}`;
      const written = await this.#options.transport.send<V1Lease>(method, path, { ...unthrottled, body });
      this.#leaseUid = written?.metadata?.uid ?? this.#leaseUid;
    } catch (error) {
      const failure = toKubeApiError(error);
      if (isConflict(failure) || failure.reason === "AlreadyExists") return { kind: "lost", holder: null };
      throw failure;
    }
    return { kind: "written", startedAt, finishedAt: this.#mono() };
  }

  async #acquire(observed: ObservedLease | null): Promise<LeaseWriteOutcome> {
    const now = microTime(this.#wall());
    if (!observed) return this.#write("POST", this.#record(now, 0));
    return this.#write("PUT", this.#record(now, observed.transitions + 1, observed.version));
  }

  /** Renews this process's Lease; one deleted behind its back is created again (it still leads). */
  async #renew(): Promise<LeaseWriteOutcome> {
    const current = await this.#get();
    if (!current) return this.#write("POST", this.#record(microTime(this.#wall()), 0));
    const holder = current.spec?.holderIdentity ?? "";
    if (holder !== this.#options.identity) return { kind: "lost", holder };
    const acquiredAt = String(current.spec?.acquireTime ?? microTime(this.#wall()));
    const updated = this.#record(
      acquiredAt,
      current.spec?.leaseTransitions ?? 0,
      current.metadata?.resourceVersion,
    );
    return this.#write("PUT", updated);
  }

  /** Empties the holder and shortens the lease, so that the next follower to look takes it. */
  async #release(): Promise<void> {
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      try {
        const lease = await this.#get();
        if (lease?.spec?.holderIdentity !== this.#options.identity) return;
        await this.#options.transport.send("PUT", `${this.#path}/${this.#options.name}`, {
          ...unthrottled,
          body: {
            ...lease,
            spec: {
              ...lease.spec,
              holderIdentity: "",
              leaseDurationSeconds: 1,
              renewTime: microTime(this.#wall()),
            },
          },
        });
        this.#options.logger.info("released the lease", { lease: this.#options.name });
        return;
      } catch (error) {
        const failure = toKubeApiError(error);
        if (isConflict(failure) && attempt < 3) continue;
        this.#options.logger.warn("cannot release the lease; it is taken when it expires", {
          error: failure.message,
        });
        return;
      }
    }
  }
}

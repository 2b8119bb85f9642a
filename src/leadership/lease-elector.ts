import type { V1Lease } from "@kubernetes/client-node";
import { isConflict, isNotFound, toKubeApiError } from "../kube/errors.ts";
import type { KubeTransport } from "../kube/transport.ts";
import type { Logger } from "../log/logger.ts";

/** The Lease annotation that tells followers where to send writes. */
export const leaderUrlAnnotation = "stackd.io/leader-url";
/** The Lease annotation naming the STACKD_INSTANCE it elects (two instances never share one Lease). */
export const leaseInstanceAnnotation = "stackd.io/instance";

export interface LeaderInfo {
  identity: string;
  /** Where the leader takes writes; null when its Lease does not say. */
  url: string | null;
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
  /** This replica holds the lease: start acting. */
  onStartedLeading: () => void;
  /** This replica could not renew in time and has stopped acting (it never leads again). */
  onStoppedLeading: () => void;
  /** A clock that keeps running while the process is stopped (SIGSTOP) and never jumps. */
  monotonicNow?: () => number;
  /** The wall clock written into the Lease (acquireTime, renewTime). */
  wallNow?: () => number;
}

/** Lease traffic never waits behind the client rate limiter's queue of ordinary requests. */
const unthrottled = { unthrottled: true } as const;

/** Kubernetes MicroTime: RFC 3339 with six fractional digits. */
const microTime = (ms: number) => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000Z");

/**
 * Leader election on a `coordination.k8s.io/v1` Lease, with client-go's rules: a follower takes the
 * lease only after it has seen the same record for a whole lease duration (measured on its own
 * monotonic clock, never trusting another host's time), or at once when the holder released it.
 *
 * The leader renews every retry period. `isLeading()` is the fence every write asks: it turns false
 * as soon as the last successful renew is older than the renew deadline, which is shorter than the
 * lease duration, so an old leader (partitioned, or resumed after SIGSTOP) has stopped writing before
 * any follower may take over. Once it has stopped leading, an elector never leads again: the process
 * is meant to exit and start afresh as a follower.
 */
export class LeaseElector {
  #options: LeaseElectorOptions;
  #mono: () => number;
  #wall: () => number;
  #path: string;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running = false;
  #leading = false;
  #stoodDown = false;
  /** Monotonic time at which the last successful renew (or acquire) was sent. */
  #renewedAt = Number.NEGATIVE_INFINITY;
  #observedRecord = "";
  #observedAt = 0;
  /** The lease duration the observed record states. */
  #observedDurationMs = 15_000;
  #leader: LeaderInfo | null = null;
  /** Holder and transitions of the Lease as last seen: changes when a term begins, not on renewals. */
  #term = "";
  #termListeners = new Set<() => void>();
  #leaseUid = "";
  #foreignWarned = false;
  #lastError = "";
  /** The acquire or renew in flight, which a release must not race. */
  #attempt: Promise<void> | undefined;

  constructor(options: LeaseElectorOptions) {
    this.#options = options;
    this.#mono = options.monotonicNow ?? (() => performance.now());
    this.#wall = options.wallNow ?? Date.now;
    this.#path = `/apis/coordination.k8s.io/v1/namespaces/${options.namespace}/leases`;
  }

  /** Starts trying to acquire (and then to renew) the lease, once per retry period. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    void this.#loop();
  }

  /** True while this replica holds the lease and renewed it within the renew deadline. */
  isLeading(): boolean {
    return this.#leading && this.#mono() - this.#renewedAt < this.#options.renewDeadlineMs;
  }

  /** The replica the Lease names as leader (possibly this one), or null when none holds it. */
  leader(): LeaderInfo | null {
    return this.#leader;
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

  #setTerm(term: string): void {
    if (term === this.#term) return;
    this.#term = term;
    for (const listener of this.#termListeners) listener();
  }

  /** Why this replica may not write, or null when it leads. */
  fenceReason(): string | null {
    if (this.isLeading()) return null;
    return this.#stoodDown
      ? "this replica lost its leader lease and no longer writes"
      : "this replica is not the leader";
  }

  /** Stops the loop; a leader gives the lease up so that a follower can take it at once. */
  async stop(): Promise<void> {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#attempt;
    if (!this.isLeading()) return;
    this.#leading = false;
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      try {
        await this.#release();
        return;
      } catch (error) {
        const failure = toKubeApiError(error);
        if (isConflict(failure) && attempt < 3) continue;
        this.#options.logger.warn("cannot release the leader lease; followers take it when it expires", {
          error: failure.message,
        });
        return;
      }
    }
  }

  /** Empties the holder and shortens the lease, so that the next follower to look takes it. */
  async #release(): Promise<void> {
    const lease = await this.#get();
    if (lease?.spec?.holderIdentity !== this.#options.identity) return;
    const now = microTime(this.#wall());
    await this.#options.transport.send("PUT", `${this.#path}/${this.#options.name}`, {
      ...unthrottled,
      body: {
        ...lease,
        spec: { ...lease.spec, holderIdentity: "", leaseDurationSeconds: 1, renewTime: now },
      },
    });
    this.#options.logger.info("released the leader lease", { lease: this.#options.name });
  }

  async #loop(): Promise<void> {
    while (this.#running) {
      // As client-go: a leader that did not renew within the deadline stops, even if it could renew now
      // (it may have been stopped, SIGSTOP or a long pause, while another replica took over).
      this.#checkDeadline();
      if (!this.#running) return;
      const attemptStarted = this.#mono();
      this.#attempt = this.#tryAcquireOrRenew(attemptStarted);
      await this.#attempt;
      this.#checkDeadline();
      if (!this.#running) return;
      const wait = this.#waitBeforeNextAttempt(attemptStarted);
      await new Promise<void>((resolve) => {
        this.#timer = setTimeout(resolve, wait);
      });
    }
  }

  /**
   * One retry period after the last attempt started; a follower watching another's lease tries again
   * as soon as that lease has gone unrenewed for its whole duration on this replica's clock, instead of
   * at the next retry tick, which could cost up to a retry period on every takeover.
   */
  #waitBeforeNextAttempt(attemptStarted: number): number {
    const now = this.#mono();
    const retry = Math.max(0, this.#options.retryPeriodMs - (now - attemptStarted));
    const heldByOther = this.#leader !== null && this.#leader.identity !== this.#options.identity;
    if (this.#leading || !heldByOther) return retry;
    const expiresIn = this.#observedAt + this.#observedDurationMs - now;
    return expiresIn >= 0 && expiresIn < retry ? expiresIn + 1 : retry;
  }

  #checkDeadline(): void {
    if (!this.#leading || this.isLeading()) return;
    this.#leading = false;
    this.#stoodDown = true;
    this.#running = false;
    this.#options.logger.error("could not renew the leader lease within the renew deadline; standing down", {
      lease: this.#options.name,
      renewDeadlineMs: this.#options.renewDeadlineMs,
      lastError: this.#lastError,
    });
    this.#options.onStoppedLeading();
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

  #record(acquiredAt: string, transitions: number): V1Lease {
    const { name, namespace, identity, instance, advertiseUrl, leaseDurationMs } = this.#options;
    return {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: {
        name,
        namespace,
        annotations: { [leaderUrlAnnotation]: advertiseUrl, [leaseInstanceAnnotation]: instance },
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

  async #tryAcquireOrRenew(attemptStarted: number): Promise<void> {
    try {
      const lease = await this.#get();
      if (!lease) {
        const created = await this.#options.transport.send<V1Lease>("POST", this.#path, {
          ...unthrottled,
          body: this.#record(microTime(this.#wall()), 0),
        });
        this.#leaseUid = created?.metadata?.uid ?? "";
        this.#acquired(attemptStarted, 0);
        return;
      }
      if (this.#foreign(lease)) return;
      await this.#renewOrTake(lease, attemptStarted);
      this.#lastError = "";
    } catch (error) {
      const failure = toKubeApiError(error);
      // 409: another replica wrote the Lease first (it renewed, or won the race to acquire it).
      if (isConflict(failure) || failure.reason === "AlreadyExists") return;
      this.#lastError = failure.message;
      this.#options.logger.warn(
        this.#leading ? "cannot renew the leader lease" : "cannot read the leader lease",
        {
          lease: this.#options.name,
          error: failure.message,
        },
      );
    }
  }

  /** True (and logged once) when the Lease elects another STACKD_INSTANCE: it is never taken. */
  #foreign(lease: V1Lease): boolean {
    const owner = lease.metadata?.annotations?.[leaseInstanceAnnotation];
    if (owner === undefined || owner === this.#options.instance) return false;
    if (!this.#foreignWarned)
      this.#options.logger.error(
        "the leader Lease belongs to another STACKD_INSTANCE; set LEADER_ELECTION_NAME",
        {
          lease: this.#options.name,
          owner,
        },
      );
    this.#foreignWarned = true;
    this.#leader = null;
    this.#setTerm("");
    return true;
  }

  /**
   * Notes when the Lease's record last changed, on this replica's own clock (another host's renewTime
   * is never trusted), and who leads; answers the holder ("" when released).
   */
  #observe(lease: V1Lease, attemptStarted: number): string {
    const holder = lease.spec?.holderIdentity ?? "";
    const observed = `${holder}|${String(lease.spec?.renewTime)}|${lease.metadata?.resourceVersion}`;
    if (observed !== this.#observedRecord) {
      this.#observedRecord = observed;
      this.#observedAt = attemptStarted;
    }
    this.#observedDurationMs = (lease.spec?.leaseDurationSeconds ?? 15) * 1000;
    const url = lease.metadata?.annotations?.[leaderUrlAnnotation] ?? null;
    this.#leader = holder === "" ? null : { identity: holder, url };
    this.#leaseUid = lease.metadata?.uid ?? this.#leaseUid;
    this.#setTerm(`${holder}#${lease.spec?.leaseTransitions ?? 0}`);
    return holder;
  }

  /** Renews a lease this replica holds, takes one that expired or was released, or follows its holder. */
  async #renewOrTake(lease: V1Lease, attemptStarted: number): Promise<void> {
    const { identity } = this.#options;
    const spec = lease.spec ?? {};
    const holder = this.#observe(lease, attemptStarted);
    const heldByOther = holder !== "" && holder !== identity;
    const stillValid = this.#observedAt + this.#observedDurationMs > attemptStarted;
    if ((heldByOther && stillValid) || this.#stoodDown) return;
    const mine = holder === identity && this.#leading;
    const acquiredAt = mine ? String(spec.acquireTime) : microTime(this.#wall());
    const transitions = (spec.leaseTransitions ?? 0) + (mine ? 0 : 1);
    const updated = this.#record(acquiredAt, transitions);
    updated.metadata = { ...updated.metadata, resourceVersion: lease.metadata?.resourceVersion ?? "" };
    await this.#options.transport.send("PUT", `${this.#path}/${this.#options.name}`, {
      ...unthrottled,
      body: updated,
    });
    if (mine) this.#renewedAt = attemptStarted;
    else this.#acquired(attemptStarted, transitions);
  }

  #acquired(attemptStarted: number, transitions: number): void {
    if (this.#stoodDown) return;
    this.#renewedAt = attemptStarted;
    this.#leading = true;
    this.#leader = { identity: this.#options.identity, url: this.#options.advertiseUrl };
    this.#setTerm(`${this.#options.identity}#${transitions}`);
    this.#options.logger.info("acquired the leader lease", {
      lease: this.#options.name,
      identity: this.#options.identity,
      transitions,
    });
    this.#options.onStartedLeading();
  }
}

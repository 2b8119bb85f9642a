/** A replica among several (leader election), or a single stackd that holds its instance alone. */
export type LeadershipMode = "single" | "replica";

/** What a read of the instance's Lease found, as far as leadership needs it. */
export interface ObservedLease {
  /** The identity holding it; "" when its holder released it. */
  holder: string;
  /** The Lease's resourceVersion: any write (a renew, an acquire) changes it. */
  version: string;
  /** The lease duration the Lease states. */
  durationMs: number;
  acquireTime: string | null;
  /** Where the holder takes writes (the `stackd.io/leader-url` annotation). */
  leaderUrl: string | null;
  /** The STACKD_INSTANCE the Lease elects (`stackd.io/instance`), null when it does not say. */
  instance: string | null;
  /** The reader found that the holder is a process of this host that no longer runs. */
  holderGone: boolean;
  /** How often the Lease changed hands (`leaseTransitions`). */
  transitions: number;
}

/** One read of the Lease: null when it does not exist; `at` is when the read finished (monotonic ms). */
export interface LeaseReading {
  lease: ObservedLease | null;
  at: number;
}

/** A write of the Lease (acquire or renew) that the API server accepted: monotonic ms. */
export interface LeaseWritten {
  kind: "written";
  /** When the write was sent: the holder's claim counts from here. */
  startedAt: number;
  finishedAt: number;
}

/** An acquire lost to another writer (409), or a renew that found the Lease held by someone else. */
export interface LeaseLost {
  kind: "lost";
  /** Who holds it now ("" or null when unknown). */
  holder: string | null;
}

export type LeaseWriteOutcome = LeaseWritten | LeaseLost;

export interface LeadershipInput {
  mode: LeadershipMode;
  identity: string;
  instance: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
}

/** The observation the election rules judge: what the Lease looked like, and since when unchanged. */
export interface LeaseObservation {
  /** `absent`, or the holder and version: a change of either is a sign of life. */
  key: string;
  /** When a read first returned this key (monotonic ms, after the read). */
  since: number;
  /** When the latest read returned (monotonic ms). */
  at: number;
  lease: ObservedLease | null;
}

export interface LeadershipContext extends LeadershipInput {
  observation: LeaseObservation | null;
  /** The key of the first read (a single stackd refuses to start when it changes under another holder). */
  firstKey: string | null;
  /** Monotonic ms at which the last accepted acquire or renew was sent. */
  renewedAt: number;
  /** How long the last accepted write took (the renew deadline counts from its start). */
  lastWriteMs: number;
  lastError: string | null;
  /** Why a single stackd may not run (another process holds its instance), or why a replica stood down. */
  verdict: string | null;
  /** This process's acquire created the Lease (none existed), rather than updating one it watched. */
  createdLease: boolean;
}

export type LeadershipEvent = { type: "start" } | { type: "stop" } | { type: "lease.renewed" };

import type { LeadershipContext, LeaseObservation, LeaseReading, ObservedLease } from "./leadership.types.ts";

/** The key a read is judged by: a Lease that does not exist is an observation like any other. */
export function observationKey(lease: ObservedLease | null): string {
  return lease === null ? "absent" : `${lease.holder}|${lease.version}`;
}

/** The observation after a read: `since` moves only when the Lease changed (or appeared, or vanished). */
export function observe(previous: LeaseObservation | null, reading: LeaseReading): LeaseObservation {
  const key = observationKey(reading.lease);
  const since = previous?.key === key ? previous.since : reading.at;
  return { key, since, at: reading.at, lease: reading.lease };
}

/** The Lease elects another STACKD_INSTANCE: it is never taken. */
export function isForeign(context: LeadershipContext, reading: LeaseReading): boolean {
  const instance = reading.lease?.instance;
  return instance !== undefined && instance !== null && instance !== context.instance;
}

/** Someone else holds the Lease (not released, not this identity, not a process known to be gone). */
function heldByOther(context: LeadershipContext, lease: ObservedLease | null): lease is ObservedLease {
  return lease !== null && lease.holder !== "" && lease.holder !== context.identity && !lease.holderGone;
}

/**
 * Whether this process may write itself into the Lease now:
 * - a released Lease, or one naming this identity, or whose holder is a process of this host that no
 *   longer runs, at once;
 * - any other Lease only once it went unchanged for a whole lease duration on this process's clock;
 * - a Lease that does not exist counts as unchanged too: a replica waits a whole lease duration before
 *   creating it (a leader whose Lease was deleted keeps leading until its renew deadline); a single stackd
 *   creates it at once (nobody follows it, and a new writer never sweeps what it did not create).
 */
export function mayTake(context: LeadershipContext, reading: LeaseReading): boolean {
  const observation = observe(context.observation, reading);
  const unchangedMs = observation.at - observation.since;
  const { lease } = reading;
  if (lease === null) return context.mode === "single" || unchangedMs >= context.leaseDurationMs;
  if (!heldByOther(context, lease)) return true;
  return unchangedMs >= lease.durationMs;
}

/**
 * Why a single stackd must not start: another live process holds its instance (the Lease changed while
 * it watched, so its holder renews) or the Lease elects another instance. Null while undecided.
 */
export function refusalOf(context: LeadershipContext, reading: LeaseReading): string | null {
  if (context.mode !== "single") return null;
  const { lease } = reading;
  if (lease === null) return null;
  if (isForeign(context, reading))
    return `the Lease elects instance ${lease.instance}, not ${context.instance}; set LEADER_ELECTION_NAME`;
  if (!heldByOther(context, lease)) return null;
  const renewedSinceFirstRead = context.firstKey !== null && observationKey(lease) !== context.firstKey;
  if (!renewedSinceFirstRead) return null;
  const since = lease.acquireTime ?? "an unknown time";
  return `instance ${context.instance} is held by ${lease.holder} since ${since}`;
}

/**
 * How long to wait before the next read: one retry period after the last one, or sooner when the
 * Lease another process holds would expire before that (so that a takeover never waits a period more).
 */
export function nextReadDelay(context: LeadershipContext): number {
  const observation = context.observation;
  const retry = context.retryPeriodMs;
  if (!observation || !heldByOther(context, observation.lease)) return retry;
  const expiresIn = observation.since + observation.lease.durationMs - observation.at;
  return expiresIn >= 0 && expiresIn < retry ? expiresIn + 1 : retry;
}

/** How long after the last accepted write the renew deadline falls. */
export function renewDeadlineLeft(context: LeadershipContext): number {
  return Math.max(0, context.renewDeadlineMs - context.lastWriteMs);
}

/** The wait between two renews: a retry period from the start of the last one. */
export function renewDelay(context: LeadershipContext): number {
  return Math.max(0, context.retryPeriodMs - context.lastWriteMs);
}

/**
 * The write fence: true while this process holds the Lease and its last accepted write was sent
 * within the renew deadline. Asked on every write with the monotonic clock, so that a process resumed
 * after a long pause (SIGSTOP) stops writing at once, before its timers have even fired.
 */
export function claimIsFresh(context: LeadershipContext, now: number): boolean {
  return now - context.renewedAt < context.renewDeadlineMs;
}

import type { PodFacts, StackStatus, TransitionReason } from "./stack.types.ts";

/** An end a stack reached while its Service still exists (the Service's terminal record keeps it). */
export interface ReachedEnd {
  status: "failed" | "stopped" | "node_deleted";
  reason: TransitionReason;
}

/**
 * What a stack's status is decided from: the leader's actor and a follower's cluster view both know
 * these (the actor from its events, the view from the Service and the Pod).
 */
export interface StatusFacts {
  /**
   * Its Pod and Service are being deleted: "teardown" after a delete or the TTL (a follower sees the
   * Service's deletionTimestamp), "rollback" after a failed create (only the leader knows it).
   */
  ending: "teardown" | "rollback" | null;
  /** The end it already reached (the terminal record), if any. */
  end: ReachedEnd | undefined;
  /** Its Pod; undefined while no Pod has been seen. */
  pod: PodFacts | undefined;
  /** The node its Pod was bound to no longer exists. */
  nodeDeleted: boolean;
}

export interface DecidedStatus {
  status: StackStatus;
  reason: TransitionReason | null;
}

const nodeDeleted: DecidedStatus = { status: "node_deleted", reason: "node_deleted" };

/**
 * The one rule for a stack's status. A teardown reads as stopped and a rollback as failed; an end once
 * reached stays (but a failed stack whose node goes is node_deleted); then a deleted node, then the Pod.
 */
export function decideStatus(facts: StatusFacts): DecidedStatus {
  if (facts.ending === "rollback") return { status: "failed", reason: facts.end?.reason ?? null };
  if (facts.ending === "teardown") return { status: "stopped", reason: facts.end?.reason ?? "deleted" };
  if (facts.end) return facts.end.status === "failed" && facts.nodeDeleted ? nodeDeleted : { ...facts.end };
  if (facts.nodeDeleted) return nodeDeleted;
  return podStatus(facts.pod);
}

/**
 * What the Pod alone says: failed (with its reason), completed, ready, deleted after it existed, or
 * still creating. The stack machine moves on exactly these.
 */
export function podStatus(pod: PodFacts | undefined): DecidedStatus {
  if (pod?.failureReason) return { status: "failed", reason: pod.failureReason };
  if (pod?.phase === "Succeeded") return { status: "stopped", reason: "completed" };
  if (pod?.ready) return { status: "running", reason: null };
  if (pod?.exists === false) return { status: "failed", reason: "pod was deleted outside stackd" };
  return { status: "creating", reason: null };
}

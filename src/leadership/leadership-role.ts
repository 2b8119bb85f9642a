/**
 * What a replica is doing about leadership, as `/readyz` reports it:
 * - `single`: no leader election; this process runs every stack;
 * - `leader`: it holds the Lease and has taken over (its actors run, it takes writes);
 * - `taking_over`: it holds the Lease and is still building its actors from the cluster;
 * - `follower`: another replica leads, or none does yet.
 */
export type LeadershipRole = "single" | "leader" | "taking_over" | "follower";

export interface LeadershipStatus {
  role: LeadershipRole;
  /** The identity of the replica the Lease names, or null (none, or no leader election). */
  leader: string | null;
}

export interface LeadershipInputs {
  /** False without leader election. */
  elected: boolean;
  /** This replica holds the Lease (and renewed it within the renew deadline). */
  holdsLease: boolean;
  /** This replica runs the stack actors. */
  acting: boolean;
  leader: string | null;
}

/** The role a replica's election state and takeover progress add up to. */
export function leadershipStatus({
  elected,
  holdsLease,
  acting,
  leader,
}: LeadershipInputs): LeadershipStatus {
  if (!elected) return { role: "single", leader: null };
  if (holdsLease) return { role: acting ? "leader" : "taking_over", leader };
  return { role: "follower", leader };
}

/** Whether a role leads (runs every stack and takes writes): a single stackd does, alone. */
export const leads = (role: LeadershipRole): boolean => role === "leader" || role === "single";

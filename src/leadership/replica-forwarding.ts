import type { ClusterView } from "../cluster/cluster-view.ts";
import type { Config } from "../config/config.ts";
import type { Logger } from "../log/logger.ts";
import { ForwardingSignatures } from "./forwarding-signature.ts";
import type { LeadershipStatus } from "./leadership-role.ts";
import type { LeaseElector } from "./lease-elector.ts";
import { committedStack, readYourWrites } from "./read-your-writes.ts";
import { createWriteForwarder } from "./write-forwarding.ts";

/** A client never waits for a forwarded request longer than the lease duration plus this. */
const forwardSlackMs = 3_000;

export interface ReplicaForwardingParts {
  config: Config;
  /** Absent without leader election: then nothing is forwarded and no forwarding header is trusted. */
  elector: LeaseElector | undefined;
  view: ClusterView | undefined;
  acting: () => boolean;
  leadership: () => LeadershipStatus;
  /** The longest a create may take on the leader (its scheduling timeout and slack). */
  createDeadlineMs: number;
  logger: Logger;
}

/**
 * With leader election: the signature check of forwarded requests (the key is derived from the Lease's
 * uid, which every replica reads and no client can) and the forwarding of leader routes to the leader the
 * Lease names (never to itself).
 */
export function replicaForwarding(parts: ReplicaForwardingParts) {
  const { config, elector, view, acting, leadership, createDeadlineMs, logger } = parts;
  if (!elector || !view) return {};
  const signatures = new ForwardingSignatures({
    secret: () => elector.leaseUid() || null,
    instance: config.instance,
  });
  const forwardWrite = createWriteForwarder({
    handlesWrites: acting,
    leaderUrl: () => {
      const leader = elector.leader();
      return leader && leader.identity !== config.leaderElection.identity ? leader.url : null;
    },
    takingOver: () => leadership().role === "taking_over",
    leaderTerm: {
      current: () => elector.leaderTerm(),
      onChange: (listener) => elector.onLeaderTermChange(listener),
    },
    signatures,
    identity: config.leaderElection.identity,
    timeoutMs: Math.min(createDeadlineMs + 5_000, config.leaderElection.leaseDurationMs + forwardSlackMs),
    caughtUp: readYourWrites(view),
    committedStack: committedStack(view),
    logger,
  });
  return { forwarding: signatures, forwardWrite };
}

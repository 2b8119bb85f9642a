import type { Config } from "../config/config.ts";
import type { KubeClient } from "../kube/client.ts";
import type { Logger } from "../log/logger.ts";
import { LeaseElector } from "./lease-elector.ts";

/**
 * The instance's Lease: with leader election, the replicas' election; without, a single stackd's hold on
 * its instance (the same Lease, so a replica and a single stackd of one instance exclude each other too).
 */
export function instanceLease(
  config: Config,
  kube: KubeClient,
  logger: Logger,
  hooks: { takeOver: () => Promise<void>; stoppedLeading: () => void },
): LeaseElector {
  const election = config.leaderElection;
  return new LeaseElector({
    transport: kube.transport,
    namespace: election.namespace,
    name: election.name,
    identity: election.identity,
    instance: config.instance,
    advertiseUrl: election.advertiseUrl,
    leaseDurationMs: election.leaseDurationMs,
    renewDeadlineMs: election.renewDeadlineMs,
    retryPeriodMs: election.retryPeriodMs,
    logger: logger.child({ component: election.enabled ? "leader-election" : "instance-lease" }),
    mode: election.enabled ? "replica" : "single",
    takeOver: hooks.takeOver,
    onStoppedLeading: hooks.stoppedLeading,
  });
}

/**
 * The client this process writes with: every write asks the instance's Lease first, so a process that
 * does not hold it (or no longer does, say after a SIGSTOP past its renew deadline) writes nothing but
 * its Lease. The given client is left as it is (tests share theirs).
 */
export function fencedClient(given: KubeClient, fenceReason: () => string | null): KubeClient {
  return {
    ...given,
    transport: given.transport.withWriteFence((method, path) =>
      method === "GET" || path.startsWith("/apis/coordination.k8s.io/") ? null : fenceReason(),
    ),
  };
}

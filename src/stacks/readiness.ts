import { clientSummary, isTransient, type KubeApiError } from "../kube/errors.ts";
import type { WatchHealth } from "../kube/watch.ts";

/** `/readyz` needs no key: a watch's trouble is told without the API server's address. */
const describeUnauthenticated = (error: KubeApiError) =>
  isTransient(error) ? clientSummary(error) : error.message;

/** One readiness check: ok, or why not. */
export interface ReadinessCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ReadinessInputs {
  watches: Array<{ path: string; health: WatchHealth }>;
  storeProblem: string | null;
  nodePortsLearned: boolean;
}

/**
 * Whether stackd can do its work: every watch is connected (which means the API server answers),
 * records can be written, and the cluster's NodePorts were learned at start.
 */
export function readinessChecks({
  watches,
  storeProblem,
  nodePortsLearned,
}: ReadinessInputs): ReadinessCheck[] {
  const checks = watches.map(({ path, health }) => ({
    name: `watch ${path}`,
    ok: health.state === "watching",
    detail:
      health.state === "watching"
        ? "connected"
        : `${health.state}${health.lastError ? `: ${describeUnauthenticated(health.lastError)}` : ""}`,
  }));
  checks.push({ name: "database", ok: storeProblem === null, detail: storeProblem ?? "writable" });
  checks.push({
    name: "nodeports",
    ok: nodePortsLearned,
    detail: nodePortsLearned ? "learned from the cluster" : "not learned yet",
  });
  return checks;
}

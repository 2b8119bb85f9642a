import type { RouteTarget } from "./edge-route.ts";

/** What one batch changes in HAProxy's map to bring it closer to the desired table. */
export interface RouteDiff {
  /** Hostnames to add, or whose target changed. */
  upserts: Array<[hostname: string, target: RouteTarget]>;
  /** Hostnames no longer wanted. */
  removals: string[];
  /** Whether differences remain beyond `limit`. */
  truncated: boolean;
}

export const sameTarget = (a: RouteTarget | undefined, b: RouteTarget | undefined): boolean =>
  a !== undefined && b !== undefined && a.address === b.address && a.port === b.port;

/**
 * The differences between `desired` and `applied`, at most `limit` of them. Removals come first: a
 * deleted pod's address can be given to another player's pod, which its old hostname must not reach.
 */
export function diffRoutes(
  desired: ReadonlyMap<string, RouteTarget>,
  applied: ReadonlyMap<string, RouteTarget>,
  limit: number,
): RouteDiff {
  const diff: RouteDiff = { upserts: [], removals: [], truncated: false };
  const full = () => diff.upserts.length + diff.removals.length >= limit;
  for (const hostname of applied.keys()) {
    if (desired.has(hostname)) continue;
    if (full()) return { ...diff, truncated: true };
    diff.removals.push(hostname);
  }
  for (const [hostname, target] of desired) {
    if (sameTarget(target, applied.get(hostname))) continue;
    if (full()) return { ...diff, truncated: true };
    diff.upserts.push([hostname, target]);
  }
  return diff;
}

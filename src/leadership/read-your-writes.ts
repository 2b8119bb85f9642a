import type { ClusterView } from "../cluster/cluster-view.ts";
import { apiRecordOf } from "../stacks/stack-record.ts";

/** How long a follower waits for its watches to show a write the leader answered. */
const catchUpLimitMs = 2_000;

type ViewReads = Pick<ClusterView, "get" | "onUpdate">;

/** Resolves once `holds()` is true, checked now and after each update of the view, or after `withinMs`. */
function until(view: ViewReads, holds: () => boolean, withinMs: number): Promise<void> {
  if (holds() || withinMs <= 0) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      unsubscribe();
      resolve();
    };
    const timer = setTimeout(done, withinMs);
    const unsubscribe = view.onUpdate(() => {
      if (holds()) done();
    });
  });
}

/**
 * After the leader answered a forwarded write, waits (at most 2 s, and at most `withinMs`) until this
 * follower's cluster view shows it: the created stack present, the deleted one gone or stopped, the
 * extended one's new expiry. A client that writes through one replica and reads through the same one
 * then sees its write, as it would on the leader.
 */
export function readYourWrites(view: ViewReads) {
  return async (method: string, path: string, status: number, body: string, withinMs: number) => {
    const shown = expectation(method, path, status, body, view);
    if (shown) await until(view, shown, Math.min(catchUpLimitMs, withinMs));
  };
}

function expectation(
  method: string,
  path: string,
  status: number,
  body: string,
  view: ViewReads,
): (() => boolean) | undefined {
  if (method === "POST" && path === "/stacks" && status === 201) {
    const stackId = fieldIn(body, "stack_id");
    return stackId ? () => view.get(stackId) !== undefined : undefined;
  }
  const extended = /^\/stacks\/([^/]+)\/extend$/.exec(path)?.[1];
  if (method === "POST" && extended && status === 200) {
    const expiry = fieldIn(body, "ttl_expires_at");
    const stackId = decodeURIComponent(extended);
    return expiry ? () => view.get(stackId)?.ttl_expires_at === expiry : undefined;
  }
  const deleted = /^\/stacks\/([^/]+)$/.exec(path)?.[1];
  if (method === "DELETE" && deleted && status === 200) {
    const stackId = decodeURIComponent(deleted);
    return () => {
      const stack = view.get(stackId);
      return stack === undefined || stack.status === "stopped";
    };
  }
  return undefined;
}

function fieldIn(body: string, field: "stack_id" | "ttl_expires_at"): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    const value = (parsed as Record<string, unknown>)[field];
    return typeof value === "string" ? value : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The stack's API JSON once this follower's view shows its Service (the create's commit point), or
 * undefined when it does not within `withinMs`: then nothing was committed, and its Pod, if any, is an
 * orphan the next leader sweeps.
 */
export function committedStack(view: ViewReads) {
  return async (stackId: string, withinMs: number): Promise<string | undefined> => {
    await until(view, () => view.get(stackId) !== undefined, withinMs);
    const stack = view.get(stackId);
    return stack ? JSON.stringify(apiRecordOf(stack)) : undefined;
  };
}

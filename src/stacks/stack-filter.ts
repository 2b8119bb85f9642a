import type { StackStatus } from "../../machines/stack.types.ts";
import type { StoredStack } from "./stack-record.ts";

/** Which stacks a read wants: every label pair (all must match), any of the statuses, any of the nodes. */
export interface StackFilter {
  labels: ReadonlyArray<readonly [string, string]>;
  statuses: ReadonlySet<StackStatus> | null;
  nodes: ReadonlySet<string> | null;
}

/** A page of `GET /stacks`: at most `limit` stacks after the position `after` (null: from the start). */
export interface StackPage {
  limit: number;
  after: StackPosition | null;
}

/** A place in the paging order: stacks sort by creation time, then id, which never change. */
export interface StackPosition {
  createdAt: string;
  stackId: string;
}

export const noFilter: StackFilter = { labels: [], statuses: null, nodes: null };

export const isNoFilter = (filter: StackFilter) =>
  filter.labels.length === 0 && filter.statuses === null && filter.nodes === null;

/** Whether a stack passes the filter. */
export function matchesFilter(stack: StoredStack, filter: StackFilter): boolean {
  if (filter.statuses !== null && !filter.statuses.has(stack.status)) return false;
  if (filter.nodes !== null && !filter.nodes.has(stack.node_id)) return false;
  for (const [key, value] of filter.labels) if (stack.labels[key] !== value) return false;
  return true;
}

/** The paging key of a stack: ISO times sort as text, and ids break ties. */
export const positionKey = (createdAt: string, stackId: string) => `${createdAt}\u0000${stackId}`;

/** The opaque cursor of a position: base64url of `created_at` and `stack_id`. */
export const cursorOf = (position: StackPosition) =>
  Buffer.from(`${position.createdAt}|${position.stackId}`).toString("base64url");

/** The position a cursor names, or undefined when it is not one this API gave. */
export function positionOfCursor(cursor: string): StackPosition | undefined {
  const text = Buffer.from(cursor, "base64url").toString();
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z)\|(stack-[0-9a-f]{16})$/.exec(text);
  return match ? { createdAt: match[1] as string, stackId: match[2] as string } : undefined;
}

import type { Logger } from "../log/logger.ts";
import type { StackUpdate } from "./stack-update.ts";

/**
 * One line per stack transition (created, each status change with its reason, a TTL extension, removed), and a debug
 * line for every other change of a record and for each stack restored at start (10,000 info lines would
 * cost a restart a fifth of a second; the ready line counts them). Records carry no secrets: pod specs
 * are not logged.
 */
export function lifecycleLog(logger: Logger): (update: StackUpdate) => void {
  const stacks = logger.child({ component: "stacks" });
  return (update) => {
    const { stack } = update;
    const fields = { stackId: stack.stack_id, status: stack.status, nodePort: stack.node_port };
    if (update.kind === "created") stacks.info("stack created", fields);
    else if (update.kind === "restored") stacks.debug("stack restored", { ...fields, nodeId: stack.node_id });
    else if (update.kind === "removed")
      stacks.info("stack removed", {
        ...fields,
        previousStatus: update.previousStatus,
        reason: update.reason,
      });
    else if (update.previousStatus !== stack.status)
      stacks.info(`stack ${stack.status}`, {
        ...fields,
        previousStatus: update.previousStatus,
        reason: update.reason,
        nodeId: stack.node_id,
      });
    else if (update.previousTtlExpiresAt !== undefined)
      stacks.info("stack ttl extended", {
        ...fields,
        previousTtlExpiresAt: update.previousTtlExpiresAt,
        ttlExpiresAt: stack.ttl_expires_at,
      });
    else
      stacks.debug("stack record changed", { ...fields, nodeId: stack.node_id, updatedAt: stack.updated_at });
  };
}

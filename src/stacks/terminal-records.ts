import type { KubeClient } from "../kube/client.ts";
import { isNotFound, toKubeApiError } from "../kube/errors.ts";
import type { Logger } from "../log/logger.ts";
import { type TerminalRecord, terminalPatchOf } from "./record-codec.ts";
import type { StackUpdate } from "./stack-actors.ts";

/** Reasons of a stack being torn down: its Service goes away, so there is nothing to record on it. */
const teardownReasons = new Set(["deleted", "ttl_expired"]);
const retryDelaysMs = [1_000, 2_000, 4_000];

/** The terminal record an update calls for, or undefined when it is not one a Service should carry. */
export function terminalRecordOf(update: StackUpdate): TerminalRecord | undefined {
  if (update.kind !== "changed") return undefined;
  const { status, status_reason: reason, acknowledged } = update.stack;
  if (status !== "failed" && status !== "stopped" && status !== "node_deleted") return undefined;
  // A create rolling back has no reason yet and no acknowledged client; a teardown removes the Service.
  if (reason === null || !acknowledged || teardownReasons.has(reason)) return undefined;
  if (update.previousStatus === status) return undefined;
  return { status, reason, at: new Date(update.at).toISOString() };
}

/**
 * Writes each terminal status a stack reaches (failed, stopped on completion, node_deleted) and its
 * reason onto the stack's Service, so that a replica taking over, or stackd after losing its database,
 * shows the same status. One merge patch per terminal transition, retried a few times.
 */
export function recordTerminalStates(
  kube: KubeClient,
  logger: Logger,
  sleep: (ms: number) => Promise<void> = (ms) => Bun.sleep(ms),
) {
  /** One attempt; true when done (written, or the Service is gone), false when worth retrying. */
  async function attempt(update: StackUpdate, record: TerminalRecord, retryInMs: number | undefined) {
    const { namespace, service_name: serviceName, stack_id: stackId } = update.stack;
    const body = terminalPatchOf(record);
    try {
      await kube.transport.send("PATCH", `/api/v1/namespaces/${namespace}/services/${serviceName}`, {
        body,
        contentType: "application/merge-patch+json",
      });
      return true;
    } catch (error) {
      const failure = toKubeApiError(error);
      if (isNotFound(failure)) return true;
      logger.warn("cannot record the stack's terminal status on its Service", {
        stackId,
        status: record.status,
        error: failure.message,
        ...(retryInMs === undefined ? { givingUp: true } : { retryInMs }),
      });
      return false;
    }
  }

  async function write(update: StackUpdate, record: TerminalRecord): Promise<void> {
    for (let index = 0; index <= retryDelaysMs.length; index += 1) {
      const delay = retryDelaysMs[index];
      if (await attempt(update, record, delay)) return;
      if (delay === undefined) return;
      await sleep(delay);
    }
  }

  return (update: StackUpdate): void => {
    const record = terminalRecordOf(update);
    if (record) void write(update, record);
  };
}

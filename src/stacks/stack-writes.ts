import type { ExpiryInput, ExpiryOutcome, StackIdentity, TerminalInput } from "../../machines/stack.types.ts";
import { expiryPatchOf, terminalPatchOf } from "../cluster/record-codec.ts";
import type { KubeClient } from "../kube/client.ts";
import { clientSummary, isNotFound, isTransient, KubeApiError, toKubeApiError } from "../kube/errors.ts";
import type { Logger } from "../log/logger.ts";
import type { NetworkIsolation } from "../network/network-isolation-reconciler.ts";

/** The one retry policy of a stack's writes: a transient failure is tried again after each of these. */
export const writeRetryDelaysMs = [1_000, 2_000, 4_000];

export interface StackWritesOptions {
  kube: KubeClient;
  logger: Logger;
  /**
   * Asked before every write to a stack's objects: null lets it through, a reason refuses it (the
   * leadership fence). Always allowed by default.
   */
  mayWrite?: () => string | null;
  /** Waits between retries (tests pass an instant one). */
  sleep?: (ms: number) => Promise<void>;
}

/** How a write is tried: once (a create, answered at once), or by the retry policy. */
type Attempts = "once" | "retried";

/** How long to wait before trying a failed write again, or undefined to give up. */
function retryDelay(failure: KubeApiError, attempts: Attempts, attempt: number): number | undefined {
  if (attempts === "once" || !isTransient(failure) || failure.reason === "NotLeader") return undefined;
  return writeRetryDelaysMs[attempt];
}

/**
 * The one way to a stack's objects in the cluster: every write asks `mayWrite` first, and a retried
 * one tries transient failures again by `writeRetryDelaysMs`. Only the stack's actor calls these (its
 * effects), so it is the single writer of its stack.
 */
export function createStackWrites({
  kube,
  logger,
  mayWrite = () => null,
  sleep = Bun.sleep,
}: StackWritesOptions) {
  async function write<T>(
    what: string,
    stackId: string,
    attempts: Attempts,
    send: () => Promise<T>,
  ): Promise<T> {
    for (let attempt = 0; ; attempt += 1) {
      const refusal = mayWrite();
      if (refusal) throw new KubeApiError(0, "NotLeader", refusal);
      try {
        return await send();
      } catch (error) {
        const failure = toKubeApiError(error);
        const delay = retryDelay(failure, attempts, attempt);
        if (delay === undefined) throw failure;
        logger.warn(`cannot ${what}; retrying`, { stackId, retryInMs: delay, error: failure.message });
        await sleep(delay);
      }
    }
  }

  const patchService = (identity: StackIdentity, body: unknown) =>
    kube.transport.send(
      "PATCH",
      `/api/v1/namespaces/${identity.namespace}/services/${identity.serviceName}`,
      {
        body,
        contentType: "application/merge-patch+json",
      },
    );

  return {
    write,

    /**
     * Writes the terminal status a stack reached onto its Service, so that a replica taking over, or
     * stackd after losing its database, shows the same. A Service already gone needs none; a write
     * that keeps failing is logged and given up (the stack's status stays right in this process).
     */
    async recordTerminal({ identity, end, at }: TerminalInput): Promise<void> {
      const record = { ...end, at: new Date(at).toISOString() };
      await write("record the stack's terminal status", identity.stackId, "retried", () =>
        patchService(identity, terminalPatchOf(record)),
      ).catch((error: unknown) => {
        const failure = toKubeApiError(error);
        if (isNotFound(failure)) return;
        logger.warn("cannot record the stack's terminal status on its Service; giving up", {
          stackId: identity.stackId,
          status: end.status,
          error: failure.message,
        });
      });
    },

    /**
     * Writes a stack's new expiry onto its Service before the extension is answered, so that a replica
     * taking over (or stackd after losing its database) arms the same TTL. Says why it could not.
     */
    async recordExpiry({ identity, expiresAt }: ExpiryInput): Promise<ExpiryOutcome> {
      try {
        await write("record the stack's expiry", identity.stackId, "retried", () =>
          patchService(identity, expiryPatchOf(expiresAt)),
        );
        return { written: true };
      } catch (error) {
        const failure = toKubeApiError(error);
        if (isNotFound(failure)) return { refused: "missing", message: "the stack's Service is missing" };
        // The client hears only the kind of failure (never the API server's address); the log has it all.
        return {
          refused: isTransient(failure) ? "unavailable" : "internal",
          message: isTransient(failure) ? clientSummary(failure) : failure.message,
        };
      }
    },
  };
}

export type StackWrites = ReturnType<typeof createStackWrites>;

/** The per-stack NetworkPolicy writes that a stack's effects ask for. */
export type StackIsolation = Pick<NetworkIsolation, "ensureStackIngressPolicy" | "removeStackIngressPolicy">;

/**
 * `isolation` whose per-stack policy writes go through `write`, so that they too ask the leadership
 * fence before each attempt and retry a transient failure by the one policy.
 */
export function isolationThroughWrites(
  isolation: StackIsolation,
  { write }: Pick<StackWrites, "write">,
): StackIsolation {
  return {
    ensureStackIngressPolicy: (stackId, ports, routed) =>
      // Once: a create does not wait for retries; the next isolation pass repairs a missing policy.
      write("write the stack's ingress policy", stackId, "once", () =>
        isolation.ensureStackIngressPolicy(stackId, ports, routed),
      ),
    removeStackIngressPolicy: (stackId) =>
      write("delete the stack's ingress policy", stackId, "retried", () =>
        isolation.removeStackIngressPolicy(stackId),
      ),
  };
}

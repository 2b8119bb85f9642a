import { randomBytes } from "node:crypto";
import { waitFor } from "xstate";
import type { CreateFailure, PodManifest, StackIdentity, StackOutcome } from "../../machines/stack.types.ts";
import { AppError, internalError, noPortAvailable, stackNotFound } from "../errors/app-error.ts";
import type { StackActor, StackActors } from "./stack-actors.ts";
import type { StackReads } from "./stack-reads.ts";
import type { StackRecord } from "./stack-record.ts";

/** A validated, sanitised create request. */
export interface NewStack {
  /** The sanitised Pod (user metadata, hardened spec), as also rendered in `podSpecYaml`. */
  manifest: PodManifest;
  podSpecYaml: string;
  targetPort: number;
  requestedCpuMilli: number;
  requestedMemoryBytes: number;
}

/** What the HTTP edge may ask of stacks; routes depend on this, not on the classes behind it. */
export interface StackCommands {
  create(request: NewStack): Promise<StackRecord>;
  delete(stackId: string): Promise<void>;
}

/** The API error for each reason a create was given up: the one mapping from failure to HTTP answer. */
export const createFailureErrors: Record<CreateFailure["code"], (message: string) => AppError> = {
  limit_range: (message) => new AppError("LIMIT_RANGE_VIOLATION", `limitrange violation: ${message}`),
  quota_exceeded: (message) => new AppError("QUOTA_EXCEEDED", `resource quota exceeded: ${message}`),
  not_schedulable: (message) => new AppError("NOT_SCHEDULABLE", message),
  no_port: () => noPortAvailable(),
  invalid: (message) => new AppError("INVALID_POD_SPEC", `invalid pod spec: ${message}`),
  internal: (message) => internalError(new Error(message)),
};

export interface StackServiceOptions {
  actors: StackActors;
  reads: StackReads;
  ports: { lease(stackId: string): number | null };
  namespace: string;
  stackTtlMs: number;
  now?: () => number;
}

const scheduledOrEnded = (snapshot: ReturnType<StackActor["getSnapshot"]>) =>
  snapshot.hasTag("scheduled") || snapshot.status !== "active";

/** Creates and deletes stacks through their actors. */
export class StackService implements StackCommands {
  #options: StackServiceOptions;
  #now: () => number;

  constructor(options: StackServiceOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Leases a port, starts the stack's actor and waits until its pod is scheduled; a failed create is rolled back. */
  async create(request: NewStack): Promise<StackRecord> {
    const { actors, reads, ports, namespace, stackTtlMs } = this.#options;
    const stackId = `stack-${randomBytes(8).toString("hex")}`;
    const nodePort = ports.lease(stackId);
    if (nodePort === null) throw noPortAvailable();
    const createdAt = this.#now();
    const identity: StackIdentity = {
      stackId,
      namespace,
      podName: stackId,
      serviceName: `svc-${stackId}`,
      targetPort: request.targetPort,
      podSpecYaml: request.podSpecYaml,
      createdAt,
      ttlExpiresAt: createdAt + stackTtlMs,
      requestedCpuMilli: request.requestedCpuMilli,
      requestedMemoryBytes: request.requestedMemoryBytes,
    };
    const actor = actors.spawn(identity, nodePort, request.manifest);
    const snapshot = await waitFor(actor, scheduledOrEnded).catch(() => actor.getSnapshot());
    if (snapshot.status === "done") throw outcomeError(snapshot.output as StackOutcome);
    if (snapshot.status !== "active") throw internalError(new Error(`stack actor ${snapshot.status}`));
    actors.acknowledge(stackId);
    const record = reads.get(stackId);
    if (!record) throw stackNotFound();
    return record;
  }

  /** Tears the stack down (Pod and Service) and resolves when it is gone. */
  async delete(stackId: string): Promise<void> {
    const { actors } = this.#options;
    const actor = actors.actorOf(stackId);
    if (!actor) throw stackNotFound();
    actors.requestDelete(stackId);
    await waitFor(actor, (snapshot) => snapshot.status !== "active").catch(() => undefined);
  }
}

/** A create that ended before it was scheduled: its failure, or not found when it was deleted meanwhile. */
function outcomeError(outcome: StackOutcome): AppError {
  if (outcome.outcome === "aborted")
    return createFailureErrors[outcome.failure.code](outcome.failure.message);
  return stackNotFound();
}

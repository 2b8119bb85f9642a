import { randomBytes } from "node:crypto";
import { waitFor } from "xstate";
import type {
  CreateFailure,
  PodManifest,
  StackIdentity,
  StackOutcome,
  StackPort,
} from "../../machines/stack.types.ts";
import { AppError, internalError, noPortAvailable, stackNotFound } from "../errors/app-error.ts";
import type { ExposureLeases } from "../exposure/exposure-leases.ts";
import type { OwnerLimits } from "./owner-limits.ts";
import type { StackActor, StackActors } from "./stack-actors.ts";
import type { StackReads } from "./stack-reads.ts";
import type { StackRecord } from "./stack-record.ts";

/** A validated, sanitised create request. */
export interface NewStack {
  /**
   * The Pod to create: the sanitised one rendered in `podSpecYaml`, plus the per-stack `env` values,
   * which are never rendered, stored or logged.
   */
  manifest: PodManifest;
  podSpecYaml: string;
  /** The ports to expose, one NodePort each. */
  ports: StackPort[];
  /** The v1.1 integer `target_port`; null for the array form. */
  targetPort: number | null;
  labels: Record<string, string>;
  requestedCpuMilli: number;
  requestedMemoryBytes: number;
  /** The id a forwarding follower chose (so it can find the stack if the leader dies); else a new one. */
  stackId?: string;
}

/** What the HTTP edge may ask of stacks; routes depend on this, not on the classes behind it. */
export interface StackCommands {
  /** `signal` aborts when the client goes away: the create is then rolled back rather than kept. */
  create(request: NewStack, signal?: AbortSignal): Promise<StackRecord>;
  delete(stackId: string): Promise<void>;
}

/** The API error for each reason a create was given up: the one mapping from failure to HTTP answer. */
export const createFailureErrors: Record<CreateFailure["code"], (message: string) => AppError> = {
  limit_range: (message) => new AppError("LIMIT_RANGE_VIOLATION", `limitrange violation: ${message}`),
  quota_exceeded: (message) => new AppError("QUOTA_EXCEEDED", `resource quota exceeded: ${message}`),
  not_schedulable: (message) => new AppError("NOT_SCHEDULABLE", message),
  no_port: () => noPortAvailable(),
  invalid: (message) => new AppError("INVALID_POD_SPEC", `invalid pod spec: ${message}`),
  unavailable: (message) => new AppError("KUBERNETES_UNAVAILABLE", `kubernetes unavailable: ${message}`),
  abandoned: (message) => new AppError("KUBERNETES_UNAVAILABLE", message),
  internal: (message) => internalError(new Error(message)),
};

export interface StackServiceOptions {
  actors: StackActors;
  reads: StackReads;
  /**
   * STACK_MAX_PER_OWNER and STACK_UNIQUE_LABELS, when set: asked in the turn that spawns the actor (which
   * holds the new stack's place at once), so concurrent creates cannot pass on one place.
   */
  limits?: Pick<OwnerLimits, "admit">;
  /** Leases how the stack is reached (STACK_EXPOSURE's mode), or throws the 503 that says what ran out. */
  exposure: Pick<ExposureLeases, "lease">;
  namespace: string;
  stackTtlMs: number;
  /** How long `POST /stacks` may take in all; past it the create is rolled back and answered 503. */
  createDeadlineMs: number;
  /** How long `DELETE` (and a failed create) waits for the teardown before answering anyway. */
  deleteWaitMs: number;
  /**
   * Leader election: each record is in the cluster (the Service, created before the 201) and SQLite is
   * only a cache, so a create does not wait for its row to be written.
   */
  recordsAreInCluster?: boolean;
  now?: () => number;
  /** Told of every answered create: created, or the failure's code; and its duration (metrics). */
  onCreateAnswered?: (reason: string, seconds: number) => void;
  /** Runs the create deadline and the delete wait (a SimulatedClock in tests). */
  clock?: Pick<typeof globalThis, "setTimeout" | "clearTimeout">;
}

type StackSnapshot = ReturnType<StackActor["getSnapshot"]>;

/** Scheduled, or known to have failed (it may still be rolling back), or ended. */
const createSettled = (snapshot: StackSnapshot) =>
  snapshot.hasTag("scheduled") || snapshot.context.createFailure !== null || snapshot.status !== "active";

/** Creates and deletes stacks through their actors. */
export class StackService implements StackCommands {
  #options: StackServiceOptions;
  #now: () => number;
  #clock: Pick<typeof globalThis, "setTimeout" | "clearTimeout">;

  constructor(options: StackServiceOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#clock = options.clock ?? globalThis;
  }

  /**
   * Leases a port, starts the stack's actor and waits until its pod is scheduled. A create that fails,
   * passes its deadline or loses its client is answered at once and rolled back in the background.
   */
  async create(request: NewStack, signal?: AbortSignal): Promise<StackRecord> {
    const started = performance.now();
    try {
      const record = await this.#create(request, signal);
      this.#options.onCreateAnswered?.("created", (performance.now() - started) / 1000);
      return record;
    } catch (error) {
      const reason = error instanceof AppError ? error.code.toLowerCase() : "internal";
      this.#options.onCreateAnswered?.(reason, (performance.now() - started) / 1000);
      throw error;
    }
  }

  async #create(request: NewStack, signal?: AbortSignal): Promise<StackRecord> {
    const { actors, reads, exposure, namespace, stackTtlMs, createDeadlineMs } = this.#options;
    if (signal?.aborted)
      throw createFailureErrors.abandoned("the client went away before the stack was created");
    const stackId = request.stackId ?? `stack-${randomBytes(8).toString("hex")}`;
    // Only a forwarded create names its id (one chosen at random by a replica): a clash is its own 409.
    if (actors.has(stackId)) throw new AppError("STACK_ID_IN_USE", `stack id ${stackId} is already in use`);
    // A record that cannot be written would be refused after the Pod was made: refuse before instead.
    const storeProblem = this.#options.recordsAreInCluster ? null : actors.retryStoreWrites();
    if (storeProblem !== null) throw databaseUnavailable(storeProblem);
    // From here to the spawn nothing awaits: the admitted stack holds its place before any other create runs.
    this.#options.limits?.admit(request.labels);
    const lease = exposure.lease(stackId, request.ports);
    const createdAt = this.#now();
    const identity: StackIdentity = {
      stackId,
      namespace,
      podName: stackId,
      serviceName: `svc-${stackId}`,
      ports: request.ports,
      targetPort: request.targetPort,
      labels: request.labels,
      podSpecYaml: request.podSpecYaml,
      createdAt,
      ttlExpiresAt: createdAt + stackTtlMs,
      requestedCpuMilli: request.requestedCpuMilli,
      requestedMemoryBytes: request.requestedMemoryBytes,
      ...(lease.exposure ? { exposure: lease.exposure } : {}),
    };
    const actor = actors.spawn(identity, lease.nodePorts, request.manifest);
    const abandon = (message: string) =>
      actor.send({ type: "create.abandon", failure: { code: "abandoned", message } });
    const onClientGone = () => abandon("the client went away before the stack was created");
    signal?.addEventListener("abort", onClientGone, { once: true });
    const deadline = this.#clock.setTimeout(
      () => abandon(`kubernetes unavailable: no answer within ${createDeadlineMs / 1000}s`),
      createDeadlineMs,
    );
    try {
      const snapshot = await waitFor(actor, createSettled).catch(() => actor.getSnapshot());
      const failure = snapshot.context.createFailure;
      if (failure) {
        await this.#settle(actor);
        throw createFailureErrors[failure.code](failure.message);
      }
      if (snapshot.status === "done") throw outcomeError(snapshot.output as StackOutcome);
      if (snapshot.status !== "active") throw internalError(new Error(`stack actor ${snapshot.status}`));
      if (signal?.aborted) {
        onClientGone();
        throw createFailureErrors.abandoned("the client went away before the stack was created");
      }
      actors.acknowledge(stackId);
      if (!this.#options.recordsAreInCluster && !actors.isSaved(stackId)) {
        // A 201 whose record is not stored would be rolled back by the next restart: refuse it now,
        // once its Pod and Service are gone (as any failed create), so that no record or Pod is left.
        abandon("database unavailable");
        await this.#settle(actor);
        throw databaseUnavailable(actors.storeProblem() ?? "the record could not be written");
      }
    } finally {
      this.#clock.clearTimeout(deadline);
      signal?.removeEventListener("abort", onClientGone);
    }
    const record = reads.get(stackId);
    if (!record) throw stackNotFound();
    return record;
  }

  /**
   * Starts tearing the stack down (it reads as stopped at once) and answers when Pod and Service are
   * gone, or after `deleteWaitMs` at the latest, the teardown then finishing in the background.
   */
  async delete(stackId: string): Promise<void> {
    const { actors } = this.#options;
    const actor = actors.actorOf(stackId);
    if (!actor) throw stackNotFound();
    actors.requestDelete(stackId);
    await this.#settle(actor);
  }

  /** Waits until the actor's teardown is done, or `deleteWaitMs` at the latest (it goes on in the background). */
  async #settle(actor: StackActor): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = this.#clock.setTimeout(resolve, this.#options.deleteWaitMs);
    });
    const gone = waitFor(actor, (snapshot) => snapshot.status !== "active").catch(() => undefined);
    await Promise.race([gone, waited]);
    this.#clock.clearTimeout(timer);
  }
}

const databaseUnavailable = (problem: string) =>
  new AppError("DATABASE_UNAVAILABLE", `database unavailable: ${problem}`);

/** A create that ended before it was scheduled: its failure, or not found when it was deleted meanwhile. */
function outcomeError(outcome: StackOutcome): AppError {
  if (outcome.outcome === "aborted")
    return createFailureErrors[outcome.failure.code](outcome.failure.message);
  return stackNotFound();
}

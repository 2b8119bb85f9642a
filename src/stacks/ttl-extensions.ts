import { type SnapshotFrom, waitFor } from "xstate";
import { statusOf } from "../../machines/stack.machine.ts";
import type { ExpiryOutcome, StackEvent } from "../../machines/stack.types.ts";
import {
  type ExtensionRefusal,
  extendedExpiry,
  extensionRefusal,
  type LifetimeLimits,
} from "../../machines/ttl-extension.ts";
import { formatGoDuration } from "../config/duration.ts";
import { AppError, internalError, stackNotFound } from "../errors/app-error.ts";
import type { ProvidedStackMachine } from "./provided-stack-machine.ts";
import type { StackActor, StackActors } from "./stack-actors.ts";
import type { StackReads } from "./stack-reads.ts";
import type { StackRecord } from "./stack-record.ts";

/** What the HTTP edge may ask of a stack's lifetime. */
export interface TtlCommands {
  /** Lets the stack live `ttlMs` (default STACK_TTL) from now; answers its record with the new expiry. */
  extend(stackId: string, ttlMs?: number): Promise<StackRecord>;
}

export interface TtlExtensionsOptions {
  actors: Pick<StackActors, "actorOf">;
  reads: Pick<StackReads, "get">;
  /** STACK_TTL: the extension when the request names none. */
  defaultTtlMs: number;
  limits: LifetimeLimits;
  now?: () => number;
}

type StackSnapshot = SnapshotFrom<ProvidedStackMachine>;

const iso = (ms: number) => new Date(ms).toISOString();

const notExtendable = (message: string) => new AppError("STACK_NOT_EXTENDABLE", message);

/** The 409 for a stack the machine would not extend: what it is doing, or which limit refuses. */
function refusalError(snapshot: StackSnapshot, refusal: ExtensionRefusal | null, limits: LifetimeLimits) {
  if (snapshot.matches("deleting") || snapshot.matches("teardownPaused"))
    return notExtendable("stack is being deleted");
  if (snapshot.matches("rollingBack") || snapshot.matches("rollbackPaused"))
    return notExtendable("stack is being rolled back");
  if (refusal?.code === "past_max_lifetime")
    return notExtendable(
      `cannot extend past the stack's maximum lifetime: it may live until ${iso(refusal.latestExpiresAt)}`,
    );
  if (refusal?.code === "outside_renew_window")
    return notExtendable(
      `too early to extend: a stack may be extended within ${formatGoDuration(limits.renewWindowMs ?? 0)} of its expiry, from ${iso(refusal.opensAt)}`,
    );
  return notExtendable(`stack is ${statusOf(snapshot)}: only a creating or running stack can be extended`);
}

/** How long an extension waits for its stack's actor to write the new expiry (its retries included). */
const expiryWriteTimeoutMs = 30_000;

/** The answer for an expiry the actor could not write onto the Service. */
function writeRefusal(outcome: Exclude<ExpiryOutcome, { written: true }>): AppError {
  if (outcome.refused === "missing")
    return new AppError("KUBERNETES_UNAVAILABLE", "kubernetes unavailable: the stack's Service is missing");
  if (outcome.refused === "unavailable")
    return new AppError("KUBERNETES_UNAVAILABLE", `kubernetes unavailable: ${outcome.message}`);
  return internalError(new Error(outcome.message));
}

/**
 * TTL extensions: checks the request against the stack's machine and the limits, then asks the actor
 * to write the new expiry to the stack's Service (`ttl.request`) and waits: once it is written the
 * actor re-arms its timer, stores the record and so tells the live stream. One extension at a time per
 * stack, so the Service and the actor agree.
 */
export class TtlExtensions implements TtlCommands {
  #options: TtlExtensionsOptions;
  #now: () => number;
  #inFlight = new Map<string, Promise<unknown>>();

  constructor(options: TtlExtensionsOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  extend(stackId: string, ttlMs = this.#options.defaultTtlMs): Promise<StackRecord> {
    const previous = this.#inFlight.get(stackId) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(() => this.#extend(stackId, ttlMs));
    this.#inFlight.set(stackId, next);
    const forget = () => {
      if (this.#inFlight.get(stackId) === next) this.#inFlight.delete(stackId);
    };
    next.then(forget, forget);
    return next;
  }

  async #extend(stackId: string, ttlMs: number): Promise<StackRecord> {
    const { actors, reads, limits } = this.#options;
    const actor = actors.actorOf(stackId);
    if (!actor) throw stackNotFound();
    const event: StackEvent = { type: "ttl.extend", ttlMs, at: this.#now(), limits };
    const before = actor.getSnapshot();
    if (!before.can(event)) throw refusalError(before, extensionRefusal(before.context, event), limits);
    const expiresAt = extendedExpiry(before.context, event);
    if (expiresAt === before.context.ttlExpiresAt) actor.send(event);
    else await this.#writeThrough(actor, event);
    const current = actor.getSnapshot();
    if (current.context.ttlExpiresAt < expiresAt)
      throw refusalError(current, extensionRefusal(current.context, event), limits);
    const record = reads.get(stackId);
    if (!record) throw stackNotFound();
    return record;
  }

  /** Has the actor write the extension's expiry to the Service and apply it; throws when it could not. */
  async #writeThrough(actor: StackActor, event: Extract<StackEvent, { type: "ttl.extend" }>): Promise<void> {
    const { type: _type, ...request } = event;
    actor.send({ type: "ttl.request", ...request });
    const ours = (snapshot: StackSnapshot) => snapshot.context.expiryWrite?.request.at === request.at;
    const written = await waitFor(
      actor,
      (snapshot) => ours(snapshot) && (snapshot.context.expiryWrite?.outcome ?? null) !== null,
      {
        timeout: expiryWriteTimeoutMs,
      },
    );
    const outcome = written.context.expiryWrite?.outcome;
    if (outcome && "refused" in outcome) throw writeRefusal(outcome);
  }
}

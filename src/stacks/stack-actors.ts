import { type Actor, type ActorOptions, type AnyActorLogic, createActor, type SnapshotFrom } from "xstate";
import { statusOf } from "../../machines/stack.machine.ts";
import type {
  PodFacts,
  PodManifest,
  StackIdentity,
  StackInput,
  StackOutcome,
} from "../../machines/stack.types.ts";
import type { InspectionObserver } from "../inspection.ts";
import type { Logger } from "../log/logger.ts";
import type { StackStore } from "../store/stack-store.ts";
import { FinishedStacks } from "./finished-stacks.ts";
import type { LiveStackSlots } from "./owner-limits.ts";
import type { ProvidedStackMachine } from "./provided-stack-machine.ts";
import { RecordWriter } from "./record-writer.ts";
import { actorsPerTurn, BackgroundTurns, type Deferred, recordsPerTurn } from "./restore-backlog.ts";
import {
  identityOf,
  nodePortsOf,
  resumeOf,
  type StoredStack,
  sameStoredStack,
  storedStackOf,
} from "./stack-record.ts";
import { type StackUpdate, StackUpdateListeners, type StackUpdateSource, ttlMove } from "./stack-update.ts";

export type StackActor = Actor<ProvidedStackMachine>;
type StackSnapshot = SnapshotFrom<ProvidedStackMachine>;
type Clock = NonNullable<ActorOptions<AnyActorLogic>["clock"]>;

export interface StackActorsOptions {
  machine: ProvidedStackMachine;
  store: StackStore;
  /** Gives back what a finished stack leased to be reached (its NodePorts or host ports). */
  ports: { release(stackId: string): void };
  logger: Logger;
  now?: () => number;
  /** Drives every actor's timers (a SimulatedClock in tests). */
  clock?: Clock;
  inspect?: InspectionObserver;
  /** Told of every failed record write (metrics). */
  onStoreError?: () => void;
  /** The per-owner limits' places: held by every live stack, released once it starts ending. */
  slots?: LiveStackSlots;
}

interface Entry {
  actor: StackActor;
  stored: StoredStack;
}

/**
 * Every stack's actor, the single writer of that stack's record: spawns and restores actors (a
 * restored stack's actor is created in the background, or at once when something is addressed to
 * it), routes cluster facts to them, persists each change of a record (compared field by field), and
 * tells listeners. When an actor finishes, its port and record are released.
 */
export class StackActors implements StackUpdateSource {
  #options: StackActorsOptions;
  #entries = new Map<string, Entry>();
  /** Restored stacks whose actors are still to be created (see restore). */
  #deferred = new Map<string, Deferred>();
  #finished: FinishedStacks;
  #catchUp = new BackgroundTurns(() => this.#catchUpTurn());
  #records: RecordWriter;
  #listeners: StackUpdateListeners;
  #now: () => number;

  #podListeners = new Set<(stackId: string) => void>();

  constructor(options: StackActorsOptions) {
    this.#options = options;
    this.#records = new RecordWriter({
      store: options.store,
      logger: options.logger,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.onStoreError ? { onError: options.onStoreError } : {}),
    });
    this.#now = options.now ?? Date.now;
    this.#finished = new FinishedStacks(this.#now);
    this.#listeners = new StackUpdateListeners((error, update) =>
      options.logger.error("stack update listener failed", { error, stackId: update.stack.stack_id }),
    );
  }

  /** Starts the actor of a new stack, which provisions `manifest`; its ports are already leased. */
  spawn(identity: StackIdentity, nodePorts: number[], manifest: PodManifest): StackActor {
    return this.#start({ identity, nodePorts, manifest });
  }

  /**
   * Brings back stored stacks (a restart, a takeover): their records are readable at once, and their
   * actors are created in the background, a few hundred per turn of the event loop, so that a start
   * with 10,000 stacks serves without waiting half a second for all of them. Anything addressed to
   * one stack (a request, a Service or node event) creates its actor first; pod facts wait for it.
   * Once created, an actor re-arms its TTL (an expired one fires at once) and rolls back a create
   * nobody was told of.
   */
  restore(stacks: StoredStack[], unsaved: StoredStack[] = []): void {
    const at = this.#now();
    for (const stored of stacks) {
      this.#deferred.set(stored.stack_id, { stored });
      this.#options.slots?.hold(stored.stack_id, stored.labels);
      this.#listeners.emit({ kind: "restored", stack: stored, at });
    }
    // Records the store lacks (rebuilt from the cluster) are written in the background, unless an
    // actor writes a newer one first (its write takes their place).
    this.#records.keep(unsaved);
    this.#catchUpSoon();
  }

  /** How many restored stacks have no actor yet. */
  get deferredCount(): number {
    return this.#deferred.size;
  }

  actorOf(stackId: string): StackActor | undefined {
    return this.#entryOf(stackId)?.actor;
  }

  /**
   * True for a stack whose actor ended within the last `finishedMemoryMs`: a late watch event about its
   * Service must not bring it back as a stack to adopt.
   */
  finishedRecently(stackId: string): boolean {
    return this.#finished.has(stackId);
  }

  has(stackId: string): boolean {
    return this.#entries.has(stackId) || this.#deferred.has(stackId);
  }

  get size(): number {
    return this.#entries.size + this.#deferred.size;
  }

  /**
   * Stacks whose actor is live and past scheduling (so a Pod and a Service should exist), with their
   * node. Only the stacks `considered` are looked at (by default all): a restored stack's actor is
   * created to answer.
   */
  *scheduledStacks(
    considered: (stackId: string) => boolean = () => true,
  ): Generator<{ stackId: string; nodeName: string | null }> {
    for (const stackId of [...this.#deferred.keys()].filter(considered)) this.#createDeferred(stackId);
    for (const [stackId, entry] of this.#entries) {
      if (!considered(stackId)) continue;
      const snapshot = entry.actor.getSnapshot();
      if (snapshot.hasTag("scheduled")) yield { stackId, nodeName: snapshot.context.nodeName };
    }
  }

  podChanged(stackId: string, pod: PodFacts, nodePublicIp: string | null): void {
    const deferred = this.#deferred.get(stackId);
    if (deferred) deferred.pod = { pod, nodePublicIp, at: this.#now() };
    else this.#entries.get(stackId)?.actor.send({ type: "pod.changed", pod, nodePublicIp, at: this.#now() });
    for (const listener of this.#podListeners) listener(stackId);
  }

  /** Calls `listener` after each Pod event a stack's actor was given (its address may be new). */
  onPodChanged(listener: (stackId: string) => void): () => void {
    this.#podListeners.add(listener);
    return () => this.#podListeners.delete(listener);
  }

  /** The ids of every stack with an actor or one still to be created (restored). */
  *stackIds(): Generator<string> {
    yield* this.#deferred.keys();
    yield* this.#entries.keys();
  }

  /** The stack's Service is gone although the stack should have one. */
  serviceGone(stackId: string): void {
    this.#entryOf(stackId)?.actor.send({ type: "service.gone", at: this.#now() });
  }

  nodeDeleted(nodeName: string): void {
    const at = this.#now();
    for (const [stackId, deferred] of this.#deferred)
      if (deferred.stored.node_id === nodeName) this.#createDeferred(stackId);
    for (const entry of this.#entries.values()) entry.actor.send({ type: "node.deleted", nodeName, at });
  }

  /** Tells a stack that the client got its 201, so a restart no longer rolls it back. */
  acknowledge(stackId: string): void {
    this.#entryOf(stackId)?.actor.send({ type: "stack.acknowledged" });
  }

  /** Starts tearing the stack down; false when there is no such stack. */
  requestDelete(stackId: string): boolean {
    const entry = this.#entryOf(stackId);
    entry?.actor.send({ type: "user.delete", at: this.#now() });
    return entry !== undefined;
  }

  /** Why records cannot be written right now (the store's error), or null when they can. */
  storeProblem(): string | null {
    return this.#records.problem();
  }

  /**
   * While writes fail, tries the unsaved records at once rather than at the next retry; why records
   * still cannot be written, or null when they can.
   */
  retryStoreWrites(): string | null {
    if (this.#records.problem() !== null) this.#records.flush();
    return this.#records.problem();
  }

  /** True once the stack's latest record is in the store. */
  isSaved(stackId: string): boolean {
    return this.#records.isSaved(stackId);
  }

  /** Listens to every record change; returns the unsubscribe function. */
  onUpdate(listener: (update: StackUpdate) => void): () => void {
    return this.#listeners.onUpdate(listener);
  }

  /** Stops every actor without tearing anything down (shutdown); the records stay stored. */
  stopAll(): void {
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    this.#deferred.clear();
    this.#options.slots?.clear();
    for (const entry of entries) entry.actor.stop();
    this.#records.close();
  }

  /** The stack's entry, its actor created first if it was restored and has none yet. */
  #entryOf(stackId: string): Entry | undefined {
    this.#createDeferred(stackId);
    return this.#entries.get(stackId);
  }

  /** Creates a restored stack's actor, if it has none yet, and tells it the latest pod facts. */
  #createDeferred(stackId: string): void {
    const deferred = this.#deferred.get(stackId);
    if (!deferred) return;
    this.#deferred.delete(stackId);
    const { stored } = deferred;
    const input = { identity: identityOf(stored), nodePorts: nodePortsOf(stored), resume: resumeOf(stored) };
    const actor = this.#start(input, stored);
    if (deferred.pod) actor.send({ type: "pod.changed", ...deferred.pod });
  }

  /** Catches up with a restore in the background: unsaved records written and deferred actors created. */
  #catchUpSoon(): void {
    this.#catchUp.request();
  }

  /** One turn of the catch-up: a batch of records and of actors; true while work is left. */
  #catchUpTurn(): boolean {
    if (this.#records.hasWritableBacklog) this.#records.flush(recordsPerTurn);
    let created = 0;
    for (const stackId of this.#deferred.keys()) {
      if (created === actorsPerTurn) break;
      this.#createDeferred(stackId);
      created += 1;
    }
    return this.#deferred.size > 0 || this.#records.hasWritableBacklog;
  }

  /** Starts an actor; a restored one begins from its stored record, a new one is stored at once. */
  #start(input: StackInput, restored?: StoredStack): StackActor {
    const { machine, clock, inspect, logger } = this.#options;
    const { stackId, createdAt } = input.identity;
    const actor = createActor(machine, {
      input,
      id: stackId,
      ...(clock ? { clock } : {}),
      ...(inspect ? { inspect } : {}),
    });
    const initial = actor.getSnapshot();
    const entry: Entry = { actor, stored: restored ?? storedStackOf(initial.context, statusOf(initial)) };
    this.#entries.set(stackId, entry);
    // A restored stack's `restored` update went out when restore() took it.
    if (!restored) {
      this.#options.slots?.hold(stackId, input.identity.labels);
      this.#records.write(stackId, entry.stored);
      this.#listeners.emit({ kind: "created", stack: entry.stored, at: createdAt });
    }
    actor.subscribe({
      next: (snapshot) => this.#onSnapshot(stackId, entry, snapshot),
      error: (error) => {
        logger.error("stack actor crashed", { stackId, error });
        this.#finish(stackId, entry, { outcome: "removed", reason: "internal error" });
      },
    });
    actor.start();
    // An actor keeps its input for its whole life; the manifest is in its context now and is dropped
    // from there once provisioned, so the input must not hold it for 2 hours more.
    delete input.manifest;
    this.#onSnapshot(stackId, entry, actor.getSnapshot());
    return actor;
  }

  #onSnapshot(stackId: string, entry: Entry, snapshot: StackSnapshot): void {
    if (this.#entries.get(stackId) !== entry) return;
    if (snapshot.status === "done") {
      this.#finish(stackId, entry, snapshot.output as StackOutcome);
      return;
    }
    const { slots } = this.#options;
    if (slots && snapshot.hasTag("ending")) slots.release(stackId);
    const stored = storedStackOf(snapshot.context, statusOf(snapshot));
    if (sameStoredStack(entry.stored, stored)) return;
    const previous = entry.stored;
    entry.stored = stored;
    this.#records.write(stackId, stored);
    this.#listeners.emit({
      kind: "changed",
      stack: stored,
      previousStatus: previous.status,
      reason: stored.status_reason,
      at: this.#now(),
      ...ttlMove(previous, stored),
    });
  }

  #finish(stackId: string, entry: Entry, outcome: StackOutcome): void {
    if (this.#entries.get(stackId) !== entry) return;
    this.#entries.delete(stackId);
    this.#finished.remember(stackId);
    this.#options.ports.release(stackId);
    this.#options.slots?.release(stackId);
    this.#records.write(stackId, null);
    const reason = outcome.outcome === "removed" ? outcome.reason : outcome.failure.message;
    this.#listeners.emit({
      kind: "removed",
      stack: entry.stored,
      previousStatus: entry.stored.status,
      reason,
      at: this.#now(),
    });
  }
}

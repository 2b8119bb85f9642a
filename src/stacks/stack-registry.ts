import { randomBytes } from "node:crypto";
import { type Actor, createActor, fromPromise, type SnapshotFrom } from "xstate";
import { stackMachine, statusOf } from "../../machines/stack.machine.ts";
import type {
  PodFacts,
  ProvisionInput,
  StackIdentity,
  StackOutcome,
  StackResume,
  StackStatus,
  TeardownInput,
} from "../../machines/stack.types.ts";
import { stackNotFound } from "../errors/app-error.ts";
import type { InspectionObserver } from "../inspection.ts";
import type { Logger } from "../log/logger.ts";
import type { PortAllocator } from "../ports/port-allocator.ts";
import type { StackStore } from "../store/stack-store.ts";
import { pastScheduling, waitUntilDone, waitUntilScheduled } from "./actor-waits.ts";
import { failureErrors } from "./create-failure-errors.ts";
import type { KubeEffects } from "./kube-effects.ts";
import { identityOf, resumeOf, storedOf } from "./stack-records.ts";
import { type StackStats, stackStats } from "./stack-stats.ts";
import { type StackView, stackView } from "./stack-view.ts";

type StackActor = Actor<typeof stackMachine>;
type StackSnapshot = SnapshotFrom<typeof stackMachine>;

/** One status change of one stack, for listeners such as the live stream. */
export interface StackChange {
  stackId: string;
  status: StackStatus | "deleted";
  previousStatus: StackStatus | null;
  reason: string | null;
  at: number;
  stack: StackView;
}

/** Per stack, only what reads need: the cached JSON and the few fields stats add up. */
interface Entry {
  actor: StackActor;
  status: StackStatus;
  json: string;
  persistedKey: string;
  holdsResources: boolean;
  nodeName: string | null;
}

export interface StackRegistryOptions {
  namespace: string;
  stackTtlMs: number;
  schedulingTimeoutMs: number;
  store: StackStore;
  ports: PortAllocator;
  effects: KubeEffects;
  logger: Logger;
  now?: () => number;
  inspect?: InspectionObserver;
}

export interface NewStack {
  /** The sanitised Pod (user metadata, hardened spec), as also rendered in `podSpecYaml`. */
  pod: object;
  podSpecYaml: string;
  targetPort: number;
  requestedCpuMilli: number;
  requestedMemoryBytes: number;
}

const holdsResources = (status: StackStatus) => status === "creating" || status === "running";

/**
 * Every stack's actor, the single writer of that stack's record. Routes watch facts and user
 * requests to actors, answers reads from their snapshots (with each stack's JSON cached), persists
 * each change, and releases the port and record when an actor finishes.
 */
export class StackRegistry {
  #options: StackRegistryOptions;
  #entries = new Map<string, Entry>();
  /** Cached `GET /stacks` body; dropped whenever any stack's JSON changes, appears or goes. */
  #listBytes: Uint8Array<ArrayBuffer> | undefined;
  #listeners = new Set<(change: StackChange) => void>();
  #machine;
  #now: () => number;

  constructor(options: StackRegistryOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    const now = this.#now;
    this.#machine = stackMachine.provide({
      actors: {
        provisionResources: fromPromise(({ input }: { input: ProvisionInput }) =>
          options.effects.provision(input),
        ),
        teardownResources: fromPromise(({ input }: { input: TeardownInput }) =>
          options.effects.teardown(input),
        ),
        restoreService: fromPromise(({ input }: { input: ProvisionInput }) =>
          options.effects.restoreService(input),
        ),
      },
      delays: {
        ttl: ({ context }) => Math.max(0, context.ttlExpiresAt - now()),
        schedulingTimeout: () => options.schedulingTimeoutMs,
      },
    });
  }

  /** Recreates the actors of persisted stacks; expired TTLs fire at once, lost creates roll back. */
  restore(): number {
    const stored = this.#options.store.all();
    for (const stack of stored) this.#spawn(identityOf(stack), stack.nodePort, resumeOf(stack));
    return stored.length;
  }

  /** Creates a stack and waits until its pod is scheduled; rolls back and throws when it cannot be. */
  async create(request: NewStack): Promise<StackView> {
    const stackId = `stack-${randomBytes(8).toString("hex")}`;
    const nodePort = this.#options.ports.lease(stackId);
    const createdAt = this.#now();
    const identity: StackIdentity = {
      stackId,
      namespace: this.#options.namespace,
      podName: stackId,
      serviceName: `svc-${stackId}`,
      targetPort: request.targetPort,
      podSpecYaml: request.podSpecYaml,
      createdAt,
      ttlExpiresAt: createdAt + this.#options.stackTtlMs,
      requestedCpuMilli: request.requestedCpuMilli,
      requestedMemoryBytes: request.requestedMemoryBytes,
    };
    this.#options.effects.rememberPod(stackId, request.pod as never);
    const entry = this.#spawn(identity, nodePort);
    const outcome = await waitUntilScheduled(entry.actor);
    if (outcome !== "scheduled") {
      if (outcome.outcome === "aborted") throw failureErrors[outcome.failure.code](outcome.failure.message);
      throw stackNotFound();
    }
    entry.actor.send({ type: "stack.acknowledged" });
    return this.#view(entry);
  }

  /** Deletes Pod and Service and forgets the stack; resolves when that is done. */
  async delete(stackId: string): Promise<void> {
    const entry = this.#entries.get(stackId);
    if (!entry) throw stackNotFound();
    const done = waitUntilDone(entry.actor);
    entry.actor.send({ type: "user.delete", at: this.#now() });
    await done;
  }

  get(stackId: string): StackView | undefined {
    const entry = this.#entries.get(stackId);
    return entry ? this.#view(entry) : undefined;
  }

  /** The stack's API JSON, cached since its last change. */
  getJson(stackId: string): string | undefined {
    return this.#entries.get(stackId)?.json;
  }

  list(): StackView[] {
    return [...this.#entries.values()].map((entry) => this.#view(entry));
  }

  /** `{"stacks":[...]}` built from each stack's cached JSON, without serialising all views again. */
  listJson(): string {
    let body = '{"stacks":[';
    let first = true;
    for (const entry of this.#entries.values()) {
      body += first ? entry.json : `,${entry.json}`;
      first = false;
    }
    return `${body}]}`;
  }

  /** The `GET /stacks` body as UTF-8, rebuilt only after some stack changed since the last call. */
  listBytes(): Uint8Array<ArrayBuffer> {
    this.#listBytes ??= new TextEncoder().encode(this.listJson());
    return this.#listBytes;
  }

  /** `GET /stats`: only stacks that hold cluster resources (creating, running) count as active and reserved. */
  stats(): StackStats {
    const active = [...this.#entries.values()]
      .filter((entry) => entry.holdsResources)
      .map((entry) => {
        const { requestedCpuMilli, requestedMemoryBytes } = entry.actor.getSnapshot().context;
        return { nodeName: entry.nodeName, requestedCpuMilli, requestedMemoryBytes };
      });
    return stackStats(this.#entries.size, active, this.#options.ports.leasedCount());
  }

  has(stackId: string): boolean {
    return this.#entries.has(stackId);
  }

  /** Stack ids whose actor is still live (not tearing down), with the node each runs on. */
  liveStacks(): Array<{ stackId: string; nodeName: string | null; podExpected: boolean }> {
    const result = [];
    for (const [stackId, entry] of this.#entries) {
      const snapshot = entry.actor.getSnapshot();
      if (!snapshot.matches("live")) continue;
      result.push({ stackId, nodeName: snapshot.context.nodeName, podExpected: pastScheduling(snapshot) });
    }
    return result;
  }

  podChanged(stackId: string, pod: PodFacts, nodePublicIp: string | null): void {
    this.#entries.get(stackId)?.actor.send({ type: "pod.changed", pod, nodePublicIp, at: this.#now() });
  }

  /** The stack's Service is gone although the stack should have one. */
  serviceGone(stackId: string): void {
    this.#entries.get(stackId)?.actor.send({ type: "service.gone", at: this.#now() });
  }

  nodeDeleted(nodeName: string): void {
    const at = this.#now();
    for (const entry of this.#entries.values()) entry.actor.send({ type: "node.deleted", nodeName, at });
  }

  /** Listens to every status change (and removal); returns the unsubscribe function. */
  onChange(listener: (change: StackChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Stops every actor without tearing anything down (shutdown); state stays in the database. */
  stopAll(): void {
    for (const entry of this.#entries.values()) entry.actor.stop();
    this.#entries.clear();
    this.#listBytes = undefined;
  }

  #spawn(identity: StackIdentity, nodePort: number, resume?: StackResume): Entry {
    const actor = createActor(this.#machine, {
      input: { identity, nodePort, ...(resume ? { resume } : {}) },
      id: identity.stackId,
      ...(this.#options.inspect ? { inspect: this.#options.inspect } : {}),
    });
    const status: StackStatus = resume?.status ?? "creating";
    const entry: Entry = {
      actor,
      status,
      json: JSON.stringify(stackView(actor.getSnapshot().context, status)),
      persistedKey: "",
      holdsResources: holdsResources(status),
      nodeName: resume?.nodeName ?? null,
    };
    this.#entries.set(identity.stackId, entry);
    this.#listBytes = undefined;
    actor.subscribe({
      next: (snapshot) => this.#onSnapshot(identity.stackId, entry, snapshot),
      error: (error) => {
        this.#options.logger.error("stack actor crashed", { stackId: identity.stackId, error });
        this.#finish(identity.stackId, entry, { outcome: "removed", reason: "internal error" });
      },
    });
    actor.start();
    if (!resume) {
      const stack = this.#view(entry);
      this.#emit({
        stackId: identity.stackId,
        status,
        previousStatus: null,
        reason: "created",
        at: identity.createdAt,
        stack,
      });
    }
    this.#onSnapshot(identity.stackId, entry, actor.getSnapshot());
    return entry;
  }

  #onSnapshot(stackId: string, entry: Entry, snapshot: StackSnapshot): void {
    if (this.#entries.get(stackId) !== entry) return;
    if (snapshot.status === "done") {
      this.#finish(stackId, entry, snapshot.output as StackOutcome);
      return;
    }
    const status = statusOf(snapshot.value);
    const context = snapshot.context;
    const key = `${status}|${context.nodeName}|${context.nodePort}|${context.reason}|${context.updatedAt}|${context.acknowledged}|${context.nodePublicIp}`;
    if (key === entry.persistedKey) return;
    entry.persistedKey = key;
    const previous = entry.status;
    entry.status = status;
    entry.holdsResources = holdsResources(status) && snapshot.matches("live");
    entry.nodeName = context.nodeName;
    const view = stackView(context, status);
    entry.json = JSON.stringify(view);
    this.#listBytes = undefined;
    this.#options.store.save(storedOf(context, status));
    if (previous !== status) {
      this.#emit({
        stackId,
        status,
        previousStatus: previous,
        reason: context.reason,
        at: this.#now(),
        stack: view,
      });
    }
  }

  #finish(stackId: string, entry: Entry, outcome: StackOutcome): void {
    if (this.#entries.get(stackId) !== entry) return;
    this.#entries.delete(stackId);
    this.#listBytes = undefined;
    this.#options.ports.release(stackId);
    this.#options.store.remove(stackId);
    const reason = outcome.outcome === "removed" ? outcome.reason : outcome.failure.message;
    this.#emit({
      stackId,
      status: "deleted",
      previousStatus: entry.status,
      reason,
      at: this.#now(),
      stack: this.#view(entry),
    });
  }

  #view(entry: Entry): StackView {
    return stackView(entry.actor.getSnapshot().context, entry.status);
  }

  #emit(change: StackChange): void {
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch (error) {
        this.#options.logger.error("stack change listener failed", { error });
      }
    }
  }
}

import type { V1Pod, V1Service } from "@kubernetes/client-node";
import { type StoredStack, sameStoredStack } from "../stacks/stack-record.ts";
import { type StackUpdate, StackUpdateListeners, ttlMove } from "../stacks/stack-update.ts";
import {
  type NodeLookup,
  type PodState,
  podStateOf,
  stackFromService,
  stackIdOf,
} from "./cluster-records.ts";

/** The raw objects the watches see, as ClusterSync hands them over. */
export interface ClusterMirror {
  services(services: V1Service[]): void;
  service(deleted: boolean, service: V1Service): void;
  pods(pods: V1Pod[]): void;
  pod(deleted: boolean, pod: V1Pod): void;
  /** The node set changed (a node appeared, went, or changed its address). */
  nodes(): void;
}

interface ViewEntry {
  service: V1Service;
  stored: StoredStack;
}

/**
 * A follower's read model: every stack of the instance as the cluster shows it, built from the
 * Service and Pod watches alone (a stack is its Service's record plus its Pod's state). It emits the
 * same updates as the leader's actors, so the read side and the live stream work unchanged on a
 * replica that does not lead. It never writes anything.
 */
export class ClusterView implements ClusterMirror {
  #entries = new Map<string, ViewEntry>();
  #pods = new Map<string, V1Pod>();
  #listeners = new StackUpdateListeners();
  #nodes: NodeLookup;
  #now: () => number;

  constructor(nodes: NodeLookup, now: () => number = Date.now) {
    this.#nodes = nodes;
    this.#now = now;
  }

  onUpdate(listener: (update: StackUpdate) => void): () => void {
    return this.#listeners.onUpdate(listener);
  }

  has(stackId: string): boolean {
    return this.#entries.has(stackId);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The stack as the cluster shows it now, or undefined when it has no Service (or an unreadable one). */
  get(stackId: string): StoredStack | undefined {
    return this.#entries.get(stackId)?.stored;
  }

  /** Every stack, for a new leader to take over (its actors resume from these). */
  stacks(): StoredStack[] {
    return [...this.#entries.values()].map((entry) => entry.stored);
  }

  /** The pod state of every stack that has a Pod, for a new leader's actors. */
  *podStates(): Generator<[string, PodState]> {
    for (const [stackId, pod] of this.#pods) yield [stackId, this.#podState(pod)];
  }

  services(services: V1Service[]): void {
    const seen = new Set<string>();
    for (const service of services) {
      const stackId = stackIdOf(service);
      if (!stackId) continue;
      seen.add(stackId);
      this.service(false, service);
    }
    for (const stackId of [...this.#entries.keys()]) if (!seen.has(stackId)) this.#remove(stackId);
  }

  service(deleted: boolean, service: V1Service): void {
    const stackId = stackIdOf(service);
    if (!stackId) return;
    if (deleted) {
      this.#remove(stackId);
      return;
    }
    const entry = this.#entries.get(stackId);
    this.#refresh(stackId, service, entry);
  }

  pods(pods: V1Pod[]): void {
    this.#pods.clear();
    for (const pod of pods) {
      const stackId = stackIdOf(pod);
      if (stackId) this.#pods.set(stackId, pod);
    }
    for (const [stackId, entry] of this.#entries) this.#refresh(stackId, entry.service, entry);
  }

  pod(deleted: boolean, pod: V1Pod): void {
    const stackId = stackIdOf(pod);
    if (!stackId) return;
    if (deleted) this.#pods.delete(stackId);
    else this.#pods.set(stackId, pod);
    const entry = this.#entries.get(stackId);
    if (entry) this.#refresh(stackId, entry.service, entry);
  }

  nodes(): void {
    for (const [stackId, entry] of this.#entries) this.#refresh(stackId, entry.service, entry);
  }

  #podState(pod: V1Pod): PodState {
    return podStateOf(pod, this.#nodes);
  }

  #refresh(stackId: string, service: V1Service, entry: ViewEntry | undefined): void {
    const pod = this.#pods.get(stackId);
    const now = this.#now();
    const stored = stackFromService(service, pod ? this.#podState(pod) : undefined, now);
    if (!stored) {
      if (entry) this.#remove(stackId);
      return;
    }
    if (!entry) {
      this.#entries.set(stackId, { service, stored });
      this.#emit({ kind: "created", stack: stored, at: now });
      return;
    }
    entry.service = service;
    // updated_at is the time of the last change the view saw, not of every recomputation.
    const candidate = { ...stored, updated_at: entry.stored.updated_at };
    if (sameStoredStack(entry.stored, candidate)) return;
    const previous = entry.stored;
    entry.stored = stored;
    this.#emit({
      kind: "changed",
      stack: stored,
      previousStatus: previous.status,
      reason: stored.status_reason,
      at: now,
      ...ttlMove(previous, stored),
    });
  }

  #remove(stackId: string): void {
    const entry = this.#entries.get(stackId);
    if (!entry) return;
    this.#entries.delete(stackId);
    const reason = entry.stored.status_reason ?? "deleted";
    this.#emit({
      kind: "removed",
      stack: entry.stored,
      previousStatus: entry.stored.status,
      reason,
      at: this.#now(),
    });
  }

  #emit(update: StackUpdate): void {
    this.#listeners.emit(update);
  }
}

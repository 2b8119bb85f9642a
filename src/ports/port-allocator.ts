import { type Actor, createActor } from "xstate";
import { portAllocatorMachine } from "../../machines/port-allocator.machine.ts";
import type { InspectionObserver } from "../inspection.ts";

export interface PortAllocatorOptions {
  min: number;
  max: number;
  inspect?: InspectionObserver;
}

/**
 * The port-allocator actor. XState processes each event to completion before `send` returns, so
 * reading the snapshot right after a request gives that request's own answer. Answers are values:
 * ports, or null when the range has too few free. Leases are not stored on their own: each stack's
 * record carries its ports, and `sync` learns them back at start.
 */
export class PortAllocator {
  #actor: Actor<typeof portAllocatorMachine>;
  #learning: Promise<void> = Promise.resolve();

  constructor(options: PortAllocatorOptions) {
    this.#actor = createActor(portAllocatorMachine, {
      input: { min: options.min, max: options.max },
      systemId: "portAllocator",
      ...(options.inspect ? { inspect: options.inspect } : {}),
    });
    this.#actor.start();
  }

  /** Learns the leases of known stacks (from their records) and the nodePorts other Services use. */
  sync(clusterPorts: number[], leases: Array<{ port: number; stackId: string }> = []): void {
    this.#actor.send({ type: "ports.sync", taken: clusterPorts, leases });
  }

  /**
   * Adds nodePorts found in use in the cluster (a list that ran after `sync`) to the taken ones; a port
   * one of our stacks leases stays leased.
   */
  markTaken(clusterPorts: number[]): void {
    this.#actor.send({ type: "ports.taken", ports: clusterPorts });
  }

  /**
   * Marks taken the nodePorts of a list of the cluster's Services once it lands (it runs beside a start
   * or a takeover); `learnt()` waits for it meanwhile. Rejects as the list does.
   */
  learnClusterPorts(list: Promise<number[]>): Promise<void> {
    const learning = list.then((taken) => this.markTaken(taken));
    this.#learning = learning.catch(() => {});
    return learning;
  }

  /** Resolves once the last list given to `learnClusterPorts` has landed (or failed); at once if none is on its way. */
  learnt(): Promise<void> {
    return this.#learning;
  }

  /**
   * Leases `count` free ports to `stackId`, all or none (the same ports again if it already holds
   * some); null when the range has fewer than `count` free, and then nothing is leased.
   */
  lease(stackId: string, count = 1): number[] | null {
    this.#actor.send({ type: "lease.request", stackId, count });
    return this.#granted(stackId);
  }

  /** Marks one of the stack's ports as taken by someone else and leases another in its place; null when none is free. */
  replace(stackId: string, port: number): number | null {
    const before = this.#actor.getSnapshot().context.portOf[stackId] ?? [];
    const index = before.indexOf(port);
    this.#actor.send({ type: "lease.replace", stackId, port });
    const granted = this.#granted(stackId);
    return granted === null || index < 0 ? null : (granted[index] ?? null);
  }

  /** Leases the ports a stack another writer created already holds (its Service has them). */
  adopt(stackId: string, ports: number[]): void {
    this.#actor.send({ type: "lease.adopt", stackId, ports });
  }

  release(stackId: string): void {
    this.#actor.send({ type: "lease.release", stackId });
  }

  /** A port that something else held (an orphan Service that was deleted) may be leased again. */
  freed(port: number): void {
    this.#actor.send({ type: "port.freed", port });
  }

  /** How many ports of the range are neither leased nor used by other Services. */
  freeCount(): number {
    const { min, max, leases, taken } = this.#actor.getSnapshot().context;
    let used = 0;
    for (const port of Object.keys(leases)) if (Number(port) >= min && Number(port) <= max) used += 1;
    for (const port of Object.keys(taken)) if (Number(port) >= min && Number(port) <= max) used += 1;
    return max - min + 1 - used;
  }

  /** How many ports are leased (a stack with several exposed ports holds several). */
  leasedCount(): number {
    return Object.keys(this.#actor.getSnapshot().context.leases).length;
  }

  #granted(stackId: string): number[] | null {
    const grant = this.#actor.getSnapshot().context.lastGrant;
    return grant && grant.stackId === stackId ? grant.ports : null;
  }
}

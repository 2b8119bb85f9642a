import { type Actor, createActor } from "xstate";
import { portAllocatorMachine } from "../../machines/port-allocator.machine.ts";
import type { InspectionObserver } from "../inspection.ts";
import type { StackStore } from "../store/stack-store.ts";

export interface PortAllocatorOptions {
  min: number;
  max: number;
  store: StackStore;
  inspect?: InspectionObserver;
}

/**
 * The port-allocator actor and its persistence. XState processes each event to completion before
 * `send` returns, so reading the snapshot right after a request gives that request's own answer.
 * Answers are values: a port, or null when the range has none free.
 */
export class PortAllocator {
  #actor: Actor<typeof portAllocatorMachine>;
  #store: StackStore;

  constructor(options: PortAllocatorOptions) {
    this.#store = options.store;
    this.#actor = createActor(portAllocatorMachine, {
      input: { min: options.min, max: options.max },
      systemId: "portAllocator",
      ...(options.inspect ? { inspect: options.inspect } : {}),
    });
    this.#actor.start();
  }

  /** Loads the persisted leases and the nodePorts that other Services in the cluster use. */
  sync(clusterPorts: number[]): void {
    this.#actor.send({ type: "ports.sync", taken: clusterPorts, leases: this.#store.leases() });
  }

  /** Leases a free port to `stackId` (the same port again if it already holds one); null when none is free. */
  lease(stackId: string): number | null {
    this.#actor.send({ type: "lease.request", stackId });
    return this.#granted(stackId);
  }

  /** Marks the stack's current port as taken by someone else and leases another; null when none is free. */
  replace(stackId: string): number | null {
    this.#actor.send({ type: "lease.replace", stackId });
    return this.#granted(stackId);
  }

  release(stackId: string): void {
    this.#actor.send({ type: "lease.release", stackId });
    this.#store.removeLease(stackId);
  }

  /** A port that something else held (an orphan Service that was deleted) may be leased again. */
  freed(port: number): void {
    this.#actor.send({ type: "port.freed", port });
  }

  /** How many leases are held. */
  leasedCount(): number {
    return Object.keys(this.#actor.getSnapshot().context.portOf).length;
  }

  #granted(stackId: string): number | null {
    const grant = this.#actor.getSnapshot().context.lastGrant;
    if (!grant || grant.stackId !== stackId) return null;
    this.#store.saveLease(stackId, grant.port);
    return grant.port;
  }
}

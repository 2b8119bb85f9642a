import type { V1Pod } from "@kubernetes/client-node";
import { type Actor, createActor } from "xstate";
import { hostPortAllocatorMachine } from "../../machines/host-port-allocator.machine.ts";
import {
  freeCount,
  type HeldHostPort,
  type HostPortPlacement,
  type HostPortProtocol,
  placementOf,
} from "../../machines/host-port-leases.ts";
import type { StackPort } from "../../machines/stack.types.ts";
import { hostPortsOfPod } from "../cluster/host-port-placement.ts";
import type { InspectionObserver } from "../inspection.ts";

export type { HostPortPlacement, HostPortProtocol } from "../../machines/host-port-leases.ts";

export interface HostPortAllocatorOptions {
  /** STACK_HOSTPORT_MIN..STACK_HOSTPORT_MAX, on every node. */
  min: number;
  max: number;
  inspect?: InspectionObserver;
}

export interface HostPortEntry {
  protocol: HostPortProtocol;
  hostPort: number;
}

type PerProtocol = Record<HostPortProtocol, number>;

/** One node's host ports, for metrics and the nodes view. */
export interface NodeHostPortStats {
  node: string;
  leased: PerProtocol;
  /** Held by pods outside stackd's leases. */
  taken: PerProtocol;
  free: PerProtocol;
}

/** The whole pool: every known node times the range, per protocol. */
export interface HostPortCapacity {
  nodes: number;
  portsPerNode: number;
  /** nodes x portsPerNode, for each protocol. */
  total: number;
  free: PerProtocol;
  leased: PerProtocol;
}

const inRange = (port: number, min: number, max: number) => port >= min && port <= max;
const countIn = (ports: Record<number, unknown>, min: number, max: number) =>
  Object.keys(ports).filter((port) => inRange(Number(port), min, max)).length;

/**
 * The host-port allocator actor (hostport exposure): leases keyed by (node, protocol, port), each owned by a
 * stack. Like the NodePort allocator it is one XState actor, which processes each event to completion
 * before `send` returns, so reading the snapshot right after a request gives that request's own answer and
 * concurrent creates are served one at a time. Leases are not stored on their own: a stack's record and
 * its pod carry its node and host ports, and `adopt` learns them back at a start.
 *
 * Ports are probed round the range from a cursor per node and protocol (as the NodePort allocator does),
 * not lowest-first: a port just released is not handed out again at once, so the pod that held it may
 * still be terminating (the scheduler counts it until it is gone) and a client still holding the old
 * node:port does not reach the next player's stack.
 */
export class HostPortAllocator {
  #actor: Actor<typeof hostPortAllocatorMachine>;

  constructor(options: HostPortAllocatorOptions) {
    this.#actor = createActor(hostPortAllocatorMachine, {
      input: { min: options.min, max: options.max },
      systemId: "hostPortAllocator",
      ...(options.inspect ? { inspect: options.inspect } : {}),
    });
    this.#actor.start();
  }

  /**
   * Leases one host port per exposed port (same order), all on one of `candidateNodes`: the one with the
   * most free ports of the protocols asked for, ties by name. All or none; the same placement again when
   * the stack already holds one; null when no candidate has enough free, and then nothing is leased.
   */
  lease(
    stackId: string,
    ports: ReadonlyArray<{ protocol: HostPortProtocol }>,
    candidateNodes: readonly string[],
  ): HostPortPlacement | null {
    this.#actor.send({
      type: "lease.request",
      stackId,
      protocols: ports.map((port) => port.protocol),
      candidates: [...candidateNodes],
    });
    const grant = this.#actor.getSnapshot().context.lastGrant;
    return grant && grant.stackId === stackId ? { node: grant.node, hostPorts: [...grant.hostPorts] } : null;
  }

  release(stackId: string): void {
    this.#actor.send({ type: "lease.release", stackId });
  }

  /**
   * Leases to a stack the host ports it already holds on `node` (from its record, or its pod after a
   * restart), whoever the allocator thought held them; `entries` in the order of the stack's ports.
   */
  adopt(stackId: string, node: string, entries: readonly HostPortEntry[]): void {
    this.#actor.send({ type: "lease.adopt", stackId, node, entries: entries.map((entry) => ({ ...entry })) });
  }

  /**
   * Adopts the host ports a stack's pod holds, in the order of the stack's `ports`; false (and nothing
   * leased) when the pod has no node, or lacks a host port for one of them.
   */
  adoptPod(stackId: string, ports: readonly StackPort[], pod: V1Pod): boolean {
    const found = hostPortsOfPod(pod);
    const entries = ports.map((port) =>
      found.ports.find(
        (held) => held.containerPort === port.containerPort && held.protocol === port.protocol,
      ),
    );
    if (found.node === null || entries.some((entry) => entry === undefined)) return false;
    this.adopt(stackId, found.node, entries as HostPortEntry[]);
    return true;
  }

  /**
   * Learns the host ports in range that the cluster's pods hold (on their nodeName, or the node their
   * hostname selector pins them to): taken, unless leased. Level-based: given every pod of the cluster, it
   * replaces what the last call learnt, so ports of pods since deleted are free again. Terminating and
   * finished pods count, as the scheduler counts them while they exist.
   */
  learnClusterPods(pods: readonly V1Pod[]): void {
    const held: HeldHostPort[] = [];
    for (const pod of pods) {
      const { node, ports } = hostPortsOfPod(pod);
      if (node === null) continue;
      for (const { protocol, hostPort } of ports) held.push({ node, protocol, hostPort });
    }
    this.#actor.send({ type: "ports.held", held });
  }

  /** Drops a deleted node with its leases and marks; returns the stacks that leased there. */
  forgetNode(node: string): string[] {
    const stacks = Object.keys(this.#actor.getSnapshot().context.nodes[node]?.stacks ?? {});
    this.#actor.send({ type: "node.deleted", node });
    return stacks;
  }

  /** The stack's node and host ports, or null when it leases none. */
  placementOf(stackId: string): HostPortPlacement | null {
    const placement = placementOf(this.#actor.getSnapshot().context, stackId);
    return placement && { node: placement.node, hostPorts: [...placement.hostPorts] };
  }

  /** Every known node's leased, taken and free ports of the range, by name. */
  stats(): NodeHostPortStats[] {
    const context = this.#actor.getSnapshot().context;
    const { min, max } = context;
    return Object.entries(context.nodes)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([node, ports]) => ({
        node,
        leased: { TCP: countIn(ports.leased.TCP, min, max), UDP: countIn(ports.leased.UDP, min, max) },
        taken: { TCP: countIn(ports.taken.TCP, min, max), UDP: countIn(ports.taken.UDP, min, max) },
        free: { TCP: freeCount(context, ports, "TCP"), UDP: freeCount(context, ports, "UDP") },
      }));
  }

  /** The pool over every known node: nodes x range per protocol, and how much of it is free and leased. */
  capacity(): HostPortCapacity {
    const { min, max } = this.#actor.getSnapshot().context;
    const nodes = this.stats();
    const sum = (pick: (node: NodeHostPortStats) => PerProtocol) => ({
      TCP: nodes.reduce((total, node) => total + pick(node).TCP, 0),
      UDP: nodes.reduce((total, node) => total + pick(node).UDP, 0),
    });
    const portsPerNode = max - min + 1;
    return {
      nodes: nodes.length,
      portsPerNode,
      total: nodes.length * portsPerNode,
      free: sum((node) => node.free),
      leased: sum((node) => node.leased),
    };
  }
}

import { assign, setup } from "xstate";
import {
  adopt,
  forgetNode,
  grant,
  type HeldHostPort,
  type HostPortLeasesContext,
  type HostPortProtocol,
  learnHeld,
  release,
} from "./host-port-leases.ts";

export type HostPortAllocatorEvent =
  /** Host ports for one stack, one per exposed port, all on one of `candidates`, all or none. */
  | { type: "lease.request"; stackId: string; protocols: HostPortProtocol[]; candidates: string[] }
  | { type: "lease.release"; stackId: string }
  /** A stack whose pod already holds these host ports on `node` (a record, or the cluster's pod). */
  | {
      type: "lease.adopt";
      stackId: string;
      node: string;
      entries: Array<{ protocol: HostPortProtocol; hostPort: number }>;
    }
  /** Every host port the cluster's pods hold: taken, unless leased (a resync, not an addition). */
  | { type: "ports.held"; held: HeldHostPort[] }
  | { type: "node.deleted"; node: string };

/**
 * Serialises host-port leases, keyed by (node, protocol, port), within [min, max] on every node: each
 * request is answered in order from one context, so two stacks never get the same port of one node, and
 * a stack gets a port for each of its exposed ports on one node or nothing. Pure: src/ports learns the
 * cluster's pods and nodes.
 */
export const hostPortAllocatorMachine = setup({
  types: {
    context: {} as HostPortLeasesContext,
    events: {} as HostPortAllocatorEvent,
    input: {} as { min: number; max: number },
  },
}).createMachine({
  id: "hostPortAllocator",
  context: ({ input }) => ({ min: input.min, max: input.max, nodes: {}, lastGrant: null }),
  initial: "serving",
  states: {
    serving: {
      on: {
        "lease.request": {
          actions: assign(({ context, event }) =>
            grant(context, event.stackId, event.protocols, event.candidates),
          ),
        },
        "lease.release": { actions: assign(({ context, event }) => release(context, event.stackId)) },
        "lease.adopt": {
          actions: assign(({ context, event }) => adopt(context, event.stackId, event.node, event.entries)),
        },
        "ports.held": { actions: assign(({ context, event }) => learnHeld(context, event.held)) },
        "node.deleted": { actions: assign(({ context, event }) => forgetNode(context, event.node)) },
      },
    },
  },
});

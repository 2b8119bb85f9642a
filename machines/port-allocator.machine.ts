import { assign, setup } from "xstate";

export interface PortAllocatorContext {
  min: number;
  max: number;
  /** Where the next probe starts, so that a released port is not handed out again at once. */
  cursor: number;
  /** Port → stack id, for every lease held. */
  leases: Record<number, string>;
  /** Stack id → port, the same leases the other way round. */
  portOf: Record<string, number>;
  /** Ports in use elsewhere in the cluster (other Services), never handed out. */
  taken: Record<number, true>;
  /** The answer to the last request: a grant, or null when the range had no free port. */
  lastGrant: { stackId: string; port: number } | null;
}

export type PortAllocatorEvent =
  | { type: "ports.sync"; taken: number[]; leases: Array<{ port: number; stackId: string }> }
  | { type: "lease.request"; stackId: string }
  | { type: "lease.replace"; stackId: string }
  | { type: "lease.release"; stackId: string }
  | { type: "port.freed"; port: number };

function findFree(context: PortAllocatorContext): number | null {
  const size = context.max - context.min + 1;
  for (let step = 0; step < size; step += 1) {
    const port = context.min + ((context.cursor - context.min + step) % size);
    if (context.leases[port] === undefined && context.taken[port] === undefined) return port;
  }
  return null;
}

function grant(context: PortAllocatorContext, stackId: string): Partial<PortAllocatorContext> {
  const existing = context.portOf[stackId];
  if (existing !== undefined) return { lastGrant: { stackId, port: existing } };
  const port = findFree(context);
  if (port === null) return { lastGrant: null };
  return {
    leases: { ...context.leases, [port]: stackId },
    portOf: { ...context.portOf, [stackId]: port },
    cursor: port + 1 > context.max ? context.min : port + 1,
    lastGrant: { stackId, port },
  };
}

function without<T>(record: Record<string | number, T>, key: string | number): Record<string | number, T> {
  const { [key]: _removed, ...rest } = record;
  return rest;
}

/**
 * Serialises NodePort leases within [min, max]: every request is answered in order, from one
 * context, so two stacks can never get the same port. Ports used by other Services are `taken`.
 * Pure: src/ports persists leases and learns the cluster's ports.
 */
export const portAllocatorMachine = setup({
  types: {
    context: {} as PortAllocatorContext,
    events: {} as PortAllocatorEvent,
    input: {} as { min: number; max: number },
  },
}).createMachine({
  id: "portAllocator",
  context: ({ input }) => ({
    min: input.min,
    max: input.max,
    cursor: input.min,
    leases: {},
    portOf: {},
    taken: {},
    lastGrant: null,
  }),
  initial: "serving",
  states: {
    serving: {
      on: {
        "ports.sync": {
          actions: assign(({ event }) => {
            const leases: Record<number, string> = {};
            const portOf: Record<string, number> = {};
            for (const lease of event.leases) {
              leases[lease.port] = lease.stackId;
              portOf[lease.stackId] = lease.port;
            }
            const taken: Record<number, true> = {};
            for (const port of event.taken) if (leases[port] === undefined) taken[port] = true;
            return { leases, portOf, taken };
          }),
        },
        "lease.request": { actions: assign(({ context, event }) => grant(context, event.stackId)) },
        "lease.replace": {
          actions: assign(({ context, event }) => {
            const old = context.portOf[event.stackId];
            if (old === undefined) return grant(context, event.stackId);
            const next = {
              ...context,
              leases: without(context.leases, old),
              portOf: without(context.portOf, event.stackId),
              taken: { ...context.taken, [old]: true as const },
            };
            return { ...next, ...grant(next, event.stackId) };
          }),
        },
        "lease.release": {
          actions: assign(({ context, event }) => {
            const port = context.portOf[event.stackId];
            if (port === undefined) return {};
            return { leases: without(context.leases, port), portOf: without(context.portOf, event.stackId) };
          }),
        },
        "port.freed": {
          actions: assign(({ context, event }) => ({ taken: without(context.taken, event.port) })),
        },
      },
    },
  },
});

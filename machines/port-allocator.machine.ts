import { assign, setup } from "xstate";

export interface PortAllocatorContext {
  min: number;
  max: number;
  /** Where the next probe starts, so that a released port is not handed out again at once. */
  cursor: number;
  /** Port → stack id, for every lease held. */
  leases: Record<number, string>;
  /** Stack id → its ports, the same leases the other way round (one per exposed port, in order). */
  portOf: Record<string, number[]>;
  /** Ports in use elsewhere in the cluster (other Services), never handed out. */
  taken: Record<number, true>;
  /** The answer to the last request: the stack's ports, or null when the range had too few free. */
  lastGrant: { stackId: string; ports: number[] } | null;
}

export type PortAllocatorEvent =
  | { type: "ports.sync"; taken: number[]; leases: Array<{ port: number; stackId: string }> }
  /** `count` ports for one stack, all or none. */
  | { type: "lease.request"; stackId: string; count: number }
  /** One of the stack's ports is someone else's: mark it taken and lease another in its place. */
  | { type: "lease.replace"; stackId: string; port: number }
  | { type: "lease.release"; stackId: string }
  /** A stack another writer created, with the ports its Service holds: leased to it, whoever had them. */
  | { type: "lease.adopt"; stackId: string; ports: number[] }
  | { type: "port.freed"; port: number }
  /** NodePorts found in use in the cluster after a sync: taken, unless one of our stacks leases them. */
  | { type: "ports.taken"; ports: number[] };

/** Up to `count` free ports from the cursor on, in probe order. */
function findFree(context: PortAllocatorContext, count: number): number[] {
  const size = context.max - context.min + 1;
  const found: number[] = [];
  for (let step = 0; step < size && found.length < count; step += 1) {
    const port = context.min + ((context.cursor - context.min + step) % size);
    if (context.leases[port] === undefined && context.taken[port] === undefined) found.push(port);
  }
  return found;
}

function grant(context: PortAllocatorContext, stackId: string, count: number): Partial<PortAllocatorContext> {
  const existing = context.portOf[stackId];
  if (existing !== undefined) return { lastGrant: { stackId, ports: existing } };
  const ports = findFree(context, count);
  if (ports.length < count || count < 1) return { lastGrant: null };
  const leases = { ...context.leases };
  for (const port of ports) leases[port] = stackId;
  const last = ports[ports.length - 1] as number;
  return {
    leases,
    portOf: { ...context.portOf, [stackId]: ports },
    cursor: last + 1 > context.max ? context.min : last + 1,
    lastGrant: { stackId, ports },
  };
}

/** Marks one of the stack's ports taken and leases a free one in its place; null grant when none is free. */
function replace(context: PortAllocatorContext, stackId: string, old: number): Partial<PortAllocatorContext> {
  const held = context.portOf[stackId];
  const index = held?.indexOf(old) ?? -1;
  if (held === undefined || index < 0) return { lastGrant: null };
  const leases = without(context.leases, old);
  const taken = { ...context.taken, [old]: true as const };
  const [port] = findFree({ ...context, leases, taken }, 1);
  if (port === undefined)
    return { leases, taken, ...withoutStackPort(context, stackId, index), lastGrant: null };
  const ports = held.map((candidate, at) => (at === index ? port : candidate));
  return {
    leases: { ...leases, [port]: stackId },
    taken,
    portOf: { ...context.portOf, [stackId]: ports },
    cursor: port + 1 > context.max ? context.min : port + 1,
    lastGrant: { stackId, ports },
  };
}

function withoutStackPort(context: PortAllocatorContext, stackId: string, index: number) {
  const ports = (context.portOf[stackId] ?? []).filter((_, at) => at !== index);
  return { portOf: { ...context.portOf, [stackId]: ports } };
}

function without<T>(record: Record<string | number, T>, key: string | number): Record<string | number, T> {
  const { [key]: _removed, ...rest } = record;
  return rest;
}

/**
 * Serialises NodePort leases within [min, max]: every request is answered in order, from one
 * context, so two stacks can never get the same port, and a stack gets all the ports it asks for or
 * none. Ports used by other Services are `taken`. Pure: src/ports learns the cluster's ports.
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
            const portOf: Record<string, number[]> = {};
            for (const lease of event.leases) {
              leases[lease.port] = lease.stackId;
              portOf[lease.stackId] = [...(portOf[lease.stackId] ?? []), lease.port];
            }
            const taken: Record<number, true> = {};
            for (const port of event.taken) if (leases[port] === undefined) taken[port] = true;
            return { leases, portOf, taken };
          }),
        },
        "lease.request": {
          actions: assign(({ context, event }) => grant(context, event.stackId, event.count)),
        },
        "lease.replace": {
          actions: assign(({ context, event }) => replace(context, event.stackId, event.port)),
        },
        "lease.release": {
          actions: assign(({ context, event }) => {
            const ports = context.portOf[event.stackId];
            if (ports === undefined) return {};
            let leases = context.leases;
            for (const port of ports) if (leases[port] === event.stackId) leases = without(leases, port);
            return { leases, portOf: without(context.portOf, event.stackId) };
          }),
        },
        "lease.adopt": {
          actions: assign(({ context, event }) => {
            const leases = { ...context.leases };
            let taken = context.taken;
            for (const port of event.ports) {
              leases[port] = event.stackId;
              taken = without(taken, port);
            }
            return { leases, taken, portOf: { ...context.portOf, [event.stackId]: [...event.ports] } };
          }),
        },
        "ports.taken": {
          actions: assign(({ context, event }) => {
            const taken = { ...context.taken };
            for (const port of event.ports) if (context.leases[port] === undefined) taken[port] = true;
            return { taken };
          }),
        },
        "port.freed": {
          actions: assign(({ context, event }) => ({ taken: without(context.taken, event.port) })),
        },
      },
    },
  },
});

import type { StackPort } from "./stack.types.ts";

export type HostPortProtocol = StackPort["protocol"];

/** One node's host ports of one protocol: port → the stack that leases it. */
type PortHolders = Record<number, string>;

/** What one node's host ports are doing, per protocol. */
export interface NodeHostPorts {
  /** Ports leased to stacks. */
  leased: Record<HostPortProtocol, PortHolders>;
  /** Ports held by pods outside stackd's leases, never handed out. */
  taken: Record<HostPortProtocol, Record<number, true>>;
  /** Stack id → the ports it leases here, in the order of its exposed ports. */
  stacks: Record<string, StackHostPorts>;
  /** How many ports of the range are leased or taken (the two never overlap), kept so choosing a node is cheap. */
  used: Record<HostPortProtocol, number>;
  /** Where the next probe starts, so that a released port is not handed out again at once. */
  cursor: Record<HostPortProtocol, number>;
}

/** Where a stack runs and the host port of each of its exposed ports (same order as asked). */
export interface HostPortPlacement {
  node: string;
  hostPorts: number[];
}

interface StackHostPorts {
  hostPorts: number[];
  protocols: HostPortProtocol[];
}

export interface HostPortLeasesContext {
  min: number;
  max: number;
  /**
   * Every node known to the allocator (a lease candidate, an adopted stack's, a learnt pod's), each with
   * the stacks leasing there: a lease copies one node's maps, never a map of every stack.
   */
  nodes: Record<string, NodeHostPorts>;
  /** The answer to the last lease: the stack's placement, or null when no candidate had room. */
  lastGrant: ({ stackId: string } & HostPortPlacement) | null;
}

/** A (node, protocol, port) a pod outside stackd's leases holds. */
export interface HeldHostPort {
  node: string;
  protocol: HostPortProtocol;
  hostPort: number;
}

export function emptyNode(min: number): NodeHostPorts {
  return {
    leased: { TCP: {}, UDP: {} },
    taken: { TCP: {}, UDP: {} },
    stacks: {},
    used: { TCP: 0, UDP: 0 },
    cursor: { TCP: min, UDP: min },
  };
}

function inRange(context: Pick<HostPortLeasesContext, "min" | "max">, port: number): boolean {
  return port >= context.min && port <= context.max;
}

function isFree(ports: NodeHostPorts, protocol: HostPortProtocol, port: number): boolean {
  return ports.leased[protocol][port] === undefined && ports.taken[protocol][port] === undefined;
}

/** How many ports of the range are free for `protocol` on a node. */
export function freeCount(
  context: Pick<HostPortLeasesContext, "min" | "max">,
  ports: NodeHostPorts,
  protocol: HostPortProtocol,
): number {
  return context.max - context.min + 1 - ports.used[protocol];
}

/** Up to `count` free ports of `protocol` on a node, probing from its cursor round the range. */
function findFree(
  context: HostPortLeasesContext,
  ports: NodeHostPorts,
  protocol: HostPortProtocol,
  count: number,
): number[] {
  const size = context.max - context.min + 1;
  const start = ports.cursor[protocol] - context.min;
  const found: number[] = [];
  for (let step = 0; step < size && found.length < count; step += 1) {
    const port = context.min + ((start + step) % size);
    if (isFree(ports, protocol, port)) found.push(port);
  }
  return found;
}

function countsOf(requested: readonly HostPortProtocol[]): Map<HostPortProtocol, number> {
  const counts = new Map<HostPortProtocol, number>();
  for (const protocol of requested) counts.set(protocol, (counts.get(protocol) ?? 0) + 1);
  return counts;
}

/** How many free ports a node has of the protocols asked for; null when too few of one of them. */
function freeFor(
  context: HostPortLeasesContext,
  ports: NodeHostPorts,
  counts: ReadonlyMap<HostPortProtocol, number>,
): number | null {
  let free = 0;
  for (const [protocol, count] of counts) {
    const available = freeCount(context, ports, protocol);
    if (available < count) return null;
    free += available;
  }
  return free;
}

/**
 * The candidate with the most free ports of the protocols asked for, so that stacks spread over the
 * nodes; ties go to the first name. Null when none has enough free of every protocol asked for.
 */
export function chooseNode(
  context: HostPortLeasesContext,
  requested: readonly HostPortProtocol[],
  candidates: readonly string[],
): HostPortPlacement | null {
  const counts = countsOf(requested);
  let best: { node: string; ports: NodeHostPorts; free: number } | null = null;
  for (const node of [...new Set(candidates)].sort()) {
    const ports = context.nodes[node] ?? emptyNode(context.min);
    const free = freeFor(context, ports, counts);
    if (free !== null && (best === null || free > best.free)) best = { node, ports, free };
  }
  if (best === null) return null;
  const found = new Map<HostPortProtocol, number[]>();
  for (const [protocol, count] of counts) found.set(protocol, findFree(context, best.ports, protocol, count));
  return { node: best.node, hostPorts: requested.map((protocol) => found.get(protocol)?.shift() as number) };
}

function withNodes(context: HostPortLeasesContext, names: readonly string[]): HostPortLeasesContext["nodes"] {
  const missing = names.filter((name) => context.nodes[name] === undefined);
  if (missing.length === 0) return context.nodes;
  const nodes = { ...context.nodes };
  for (const name of missing) nodes[name] = emptyNode(context.min);
  return nodes;
}

function nextCursor(context: HostPortLeasesContext, port: number): number {
  return port + 1 > context.max ? context.min : port + 1;
}

/** The stack's node and host ports, or null when it leases none (a look at each node, not at each stack). */
export function placementOf(context: HostPortLeasesContext, stackId: string): HostPortPlacement | null {
  for (const [node, ports] of Object.entries(context.nodes)) {
    const held = ports.stacks[stackId];
    if (held !== undefined) return { node, hostPorts: held.hostPorts };
  }
  return null;
}

/** The node with `stackId` leasing the ports of `held` (taken marks on them give way to the lease). */
function leaseOn(
  context: HostPortLeasesContext,
  ports: NodeHostPorts,
  stackId: string,
  held: StackHostPorts,
  moveCursor: boolean,
): NodeHostPorts {
  const next: NodeHostPorts = {
    leased: { TCP: { ...ports.leased.TCP }, UDP: { ...ports.leased.UDP } },
    taken: { TCP: { ...ports.taken.TCP }, UDP: { ...ports.taken.UDP } },
    stacks: { ...ports.stacks, [stackId]: held },
    used: { ...ports.used },
    cursor: { ...ports.cursor },
  };
  held.protocols.forEach((protocol, index) => {
    const hostPort = held.hostPorts[index] as number;
    if (isFree(next, protocol, hostPort) && inRange(context, hostPort)) next.used[protocol] += 1;
    next.leased[protocol][hostPort] = stackId;
    delete next.taken[protocol][hostPort];
    if (moveCursor) next.cursor[protocol] = nextCursor(context, hostPort);
  });
  return next;
}

/** Leases host ports on one of `candidates` to `stackId`, all or none; the same placement again if it has one. */
export function grant(
  context: HostPortLeasesContext,
  stackId: string,
  requested: readonly HostPortProtocol[],
  candidates: readonly string[],
): Partial<HostPortLeasesContext> {
  const existing = placementOf(context, stackId);
  if (existing !== null) return { lastGrant: { stackId, ...existing } };
  const nodes = withNodes(context, candidates);
  const placement = requested.length === 0 ? null : chooseNode({ ...context, nodes }, requested, candidates);
  if (placement === null) return { nodes, lastGrant: null };
  const held = { hostPorts: placement.hostPorts, protocols: [...requested] };
  const ports = nodes[placement.node] as NodeHostPorts;
  return {
    nodes: { ...nodes, [placement.node]: leaseOn(context, ports, stackId, held, true) },
    lastGrant: { stackId, ...placement },
  };
}

/** The node's ports without the leases `stackId` holds there. */
function withoutStack(context: HostPortLeasesContext, ports: NodeHostPorts, stackId: string): NodeHostPorts {
  const { [stackId]: held, ...stacks } = ports.stacks;
  if (held === undefined) return ports;
  const leased = { TCP: { ...ports.leased.TCP }, UDP: { ...ports.leased.UDP } };
  const used = { ...ports.used };
  held.protocols.forEach((protocol, index) => {
    const port = held.hostPorts[index] as number;
    if (leased[protocol][port] !== stackId) return;
    delete leased[protocol][port];
    if (inRange(context, port)) used[protocol] -= 1;
  });
  return { ...ports, leased, stacks, used };
}

/** Frees the host ports of `stackId`; nothing when it holds none. */
export function release(context: HostPortLeasesContext, stackId: string): Partial<HostPortLeasesContext> {
  const placement = placementOf(context, stackId);
  const ports = placement && context.nodes[placement.node];
  if (!placement || !ports) return {};
  return { nodes: { ...context.nodes, [placement.node]: withoutStack(context, ports, stackId) } };
}

/** Leases to `stackId` the host ports its pod already holds on `node` (whoever had them), in place of any it had. */
export function adopt(
  context: HostPortLeasesContext,
  stackId: string,
  node: string,
  entries: ReadonlyArray<{ protocol: HostPortProtocol; hostPort: number }>,
): Partial<HostPortLeasesContext> {
  const released = { ...context, ...release(context, stackId) };
  const nodes = withNodes(released, [node]);
  const held = {
    hostPorts: entries.map((entry) => entry.hostPort),
    protocols: entries.map((entry) => entry.protocol),
  };
  return {
    nodes: { ...nodes, [node]: leaseOn(context, nodes[node] as NodeHostPorts, stackId, held, false) },
  };
}

function leasedInRange(context: HostPortLeasesContext, ports: NodeHostPorts, protocol: HostPortProtocol) {
  return Object.keys(ports.leased[protocol]).filter((port) => inRange(context, Number(port))).length;
}

/**
 * Level-based: the ports taken become exactly the in-range ones these pods hold, less those leased
 * (a leased port stays leased, whoever else the list says holds it).
 */
export function learnHeld(
  context: HostPortLeasesContext,
  held: readonly HeldHostPort[],
): Partial<HostPortLeasesContext> {
  const inside = held.filter((entry) => inRange(context, entry.hostPort));
  const known = withNodes(
    context,
    inside.map((entry) => entry.node),
  );
  const nodes: HostPortLeasesContext["nodes"] = {};
  for (const [name, ports] of Object.entries(known)) {
    const used = { TCP: leasedInRange(context, ports, "TCP"), UDP: leasedInRange(context, ports, "UDP") };
    nodes[name] = { ...ports, taken: { TCP: {}, UDP: {} }, used };
  }
  for (const { node, protocol, hostPort } of inside) {
    const ports = nodes[node] as NodeHostPorts;
    if (!isFree(ports, protocol, hostPort)) continue;
    ports.taken[protocol][hostPort] = true;
    ports.used[protocol] += 1;
  }
  return { nodes };
}

/** Drops a deleted node with every lease and mark on it; the stacks that leased there lose their placement. */
export function forgetNode(context: HostPortLeasesContext, node: string): Partial<HostPortLeasesContext> {
  const { [node]: _forgotten, ...nodes } = context.nodes;
  return { nodes };
}

import { type Static, Type } from "@sinclair/typebox";

/** The contract's `GET /stats` body. */
export const StackStats = Type.Object({
  total_stacks: Type.Integer(),
  active_stacks: Type.Integer({ description: "stacks that hold cluster resources: creating or running" }),
  node_distribution: Type.Record(Type.String(), Type.Integer(), {
    description: "active stacks per node name",
  }),
  used_node_ports: Type.Integer(),
  reserved_cpu_milli: Type.Integer(),
  reserved_memory_bytes: Type.Integer(),
});
export type StackStats = Static<typeof StackStats>;

export interface ActiveStack {
  nodeName: string | null;
  requestedCpuMilli: number;
  requestedMemoryBytes: number;
}

/** Adds up the stacks that hold cluster resources; stopped and failed ones are counted only in the total. */
export function stackStats(total: number, active: ActiveStack[], leasedPorts: number): StackStats {
  const nodeDistribution: Record<string, number> = {};
  let cpu = 0;
  let memory = 0;
  for (const stack of active) {
    cpu += stack.requestedCpuMilli;
    memory += stack.requestedMemoryBytes;
    if (stack.nodeName) nodeDistribution[stack.nodeName] = (nodeDistribution[stack.nodeName] ?? 0) + 1;
  }
  return {
    total_stacks: total,
    active_stacks: active.length,
    node_distribution: nodeDistribution,
    used_node_ports: leasedPorts,
    reserved_cpu_milli: cpu,
    reserved_memory_bytes: memory,
  };
}

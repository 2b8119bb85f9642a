/** The contract's `GET /stats` body. */
export interface StackStats {
  total_stacks: number;
  active_stacks: number;
  node_distribution: Record<string, number>;
  used_node_ports: number;
  reserved_cpu_milli: number;
  reserved_memory_bytes: number;
}

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

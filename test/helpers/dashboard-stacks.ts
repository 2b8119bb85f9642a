import type { StackSummary } from "../../src/dashboard/format.ts";

const base = Date.parse("2026-01-01T00:00:00.000Z");

/** The dashboard's record of synthetic stack `index`: statuses, nodes, ports and labels vary with it. */
export function dashboardStack(index: number, overrides: Partial<StackSummary> = {}): StackSummary {
  return {
    stack_id: `stack-${index.toString(16).padStart(16, "0")}`,
    status: index % 3 === 0 ? "failed" : "running",
    status_reason: index % 3 === 0 ? "container app exited with code 1" : null,
    node_id: index % 4 === 0 ? "" : `stack-node-${index % 2}`,
    node_public_ip: "203.0.113.11",
    node_port: 31_000 + ((index * 7) % 50),
    target_port: 80,
    created_at: new Date(base + ((index * 13) % 17) * 1000).toISOString(),
    ttl_expires_at: new Date(base + 7_200_000 - index * 1000).toISOString(),
    updated_at: new Date(base).toISOString(),
    requested_cpu_milli: 100,
    requested_memory_bytes: 1,
    labels: { team: `team-${index % 5}`, ...(index % 2 === 0 ? { challenge: "web" } : { challenge: "pwn" }) },
    ...overrides,
  };
}

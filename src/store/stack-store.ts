import type { Database } from "bun:sqlite";
import type { StackStatus } from "../../machines/stack.types.ts";

/** One stack as persisted: enough to restore its actor after a restart. */
export interface StoredStack {
  stackId: string;
  namespace: string;
  podName: string;
  serviceName: string;
  targetPort: number;
  nodePort: number;
  nodeName: string | null;
  nodePublicIp: string | null;
  podSpecYaml: string;
  status: StackStatus;
  reason: string | null;
  acknowledged: boolean;
  createdAt: number;
  updatedAt: number;
  ttlExpiresAt: number;
  requestedCpuMilli: number;
  requestedMemoryBytes: number;
}

interface StackRow {
  stack_id: string;
  namespace: string;
  pod_name: string;
  service_name: string;
  target_port: number;
  node_port: number;
  node_name: string | null;
  node_public_ip: string | null;
  pod_spec: string;
  status: StackStatus;
  reason: string | null;
  acknowledged: number;
  created_at: number;
  updated_at: number;
  ttl_expires_at: number;
  requested_cpu_milli: number;
  requested_memory_bytes: number;
}

const fromRow = (row: StackRow): StoredStack => ({
  stackId: row.stack_id,
  namespace: row.namespace,
  podName: row.pod_name,
  serviceName: row.service_name,
  targetPort: row.target_port,
  nodePort: row.node_port,
  nodeName: row.node_name,
  nodePublicIp: row.node_public_ip,
  podSpecYaml: row.pod_spec,
  status: row.status,
  reason: row.reason,
  acknowledged: row.acknowledged === 1,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
  ttlExpiresAt: row.ttl_expires_at,
  requestedCpuMilli: row.requested_cpu_milli,
  requestedMemoryBytes: row.requested_memory_bytes,
});

/** Stacks and port leases in SQLite. Each stack's row is written only by that stack's actor subscription. */
export class StackStore {
  #db: Database;
  #upsert;
  #delete;
  #all;
  #insertLease;
  #deleteLease;
  #allLeases;

  constructor(db: Database) {
    this.#db = db;
    this.#upsert = db.query(
      `INSERT INTO stacks (stack_id, namespace, pod_name, service_name, target_port, node_port, node_name, node_public_ip,
         pod_spec, status, reason, acknowledged, created_at, updated_at, ttl_expires_at, requested_cpu_milli, requested_memory_bytes)
       VALUES ($stackId, $namespace, $podName, $serviceName, $targetPort, $nodePort, $nodeName, $nodePublicIp,
         $podSpecYaml, $status, $reason, $acknowledged, $createdAt, $updatedAt, $ttlExpiresAt, $requestedCpuMilli, $requestedMemoryBytes)
       ON CONFLICT (stack_id) DO UPDATE SET node_port = excluded.node_port, node_name = excluded.node_name,
         node_public_ip = excluded.node_public_ip, status = excluded.status, reason = excluded.reason,
         acknowledged = excluded.acknowledged, updated_at = excluded.updated_at`,
    );
    this.#delete = db.query("DELETE FROM stacks WHERE stack_id = ?");
    this.#all = db.query<StackRow, []>("SELECT * FROM stacks ORDER BY created_at, stack_id");
    this.#insertLease = db.query(
      "INSERT INTO port_leases (port, stack_id, leased_at) VALUES (?, ?, ?) ON CONFLICT (stack_id) DO UPDATE SET port = excluded.port",
    );
    this.#deleteLease = db.query("DELETE FROM port_leases WHERE stack_id = ?");
    this.#allLeases = db.query<{ port: number; stack_id: string }, []>(
      "SELECT port, stack_id FROM port_leases",
    );
  }

  save(stack: StoredStack): void {
    this.#upsert.run({ ...stack, acknowledged: stack.acknowledged ? 1 : 0 });
  }

  remove(stackId: string): void {
    this.#delete.run(stackId);
  }

  all(): StoredStack[] {
    return this.#all.all().map(fromRow);
  }

  saveLease(stackId: string, port: number): void {
    this.#insertLease.run(port, stackId, Date.now());
  }

  removeLease(stackId: string): void {
    this.#deleteLease.run(stackId);
  }

  leases(): Array<{ port: number; stackId: string }> {
    return this.#allLeases.all().map((row) => ({ port: row.port, stackId: row.stack_id }));
  }

  /** Runs `work` in one transaction. */
  transaction<T>(work: () => T): T {
    return this.#db.transaction(work)();
  }
}

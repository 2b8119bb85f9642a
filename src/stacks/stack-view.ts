import type { StackContext, StackStatus } from "../../machines/stack.types.ts";

/** A stack as the REST API returns it (the contract's fields, plus `status_reason`). */
export interface StackView {
  stack_id: string;
  pod_id: string;
  namespace: string;
  node_id: string;
  node_public_ip: string | null;
  pod_spec: string;
  target_port: number;
  node_port: number;
  service_name: string;
  status: StackStatus;
  status_reason: string | null;
  ttl_expires_at: string;
  created_at: string;
  updated_at: string;
  requested_cpu_milli: number;
  requested_memory_bytes: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

/** The API view of a stack actor's context in a given status. */
export function stackView(context: StackContext, status: StackStatus): StackView {
  return {
    stack_id: context.stackId,
    pod_id: context.podName,
    namespace: context.namespace,
    node_id: context.nodeName ?? "",
    node_public_ip: context.nodePublicIp,
    pod_spec: context.podSpecYaml,
    target_port: context.targetPort,
    node_port: context.nodePort,
    service_name: context.serviceName,
    status,
    status_reason: context.reason,
    ttl_expires_at: iso(context.ttlExpiresAt),
    created_at: iso(context.createdAt),
    updated_at: iso(context.updatedAt),
    requested_cpu_milli: context.requestedCpuMilli,
    requested_memory_bytes: context.requestedMemoryBytes,
  };
}

/** `GET /stacks/{id}/status`: the contract's short form. */
export function stackStatusView(view: StackView) {
  return {
    stack_id: view.stack_id,
    status: view.status,
    ttl: view.ttl_expires_at,
    node_port: view.node_port,
    target_port: view.target_port,
    node_public_ip: view.node_public_ip,
  };
}

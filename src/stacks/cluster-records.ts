import type { V1Pod, V1Service } from "@kubernetes/client-node";
import { type Static, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import type { StoredStack } from "./stack-record.ts";
import { recordAnnotation, stackLabels } from "./stack-resources.ts";

const ServiceRecord = Type.Object({
  created_at: Type.String(),
  ttl_expires_at: Type.String(),
  target_port: Type.Integer(),
  requested_cpu_milli: Type.Integer(),
  requested_memory_bytes: Type.Integer(),
  pod_spec: Type.String(),
});
type ServiceRecord = Static<typeof ServiceRecord>;

function readRecord(service: V1Service): ServiceRecord | undefined {
  const text = service.metadata?.annotations?.[recordAnnotation];
  if (!text) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return Value.Check(ServiceRecord, parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Stacks that exist in the cluster but not in the database (it was lost, deleted or replaced), rebuilt
 * from their Services' record annotation and their Pods. They resume as acknowledged: the cluster cannot
 * tell whether their client got the 201, and keeping a stack until its TTL is the side that loses nothing.
 */
export function stacksFromCluster(
  services: V1Service[],
  pods: V1Pod[],
  known: Set<string>,
  now: number,
): StoredStack[] {
  const podByStack = new Map(pods.map((pod) => [pod.metadata?.labels?.[stackLabels.stackId], pod]));
  const rebuilt: StoredStack[] = [];
  for (const service of services) {
    const stackId = service.metadata?.labels?.[stackLabels.stackId];
    const record = readRecord(service);
    if (!stackId || !record || known.has(stackId) || service.metadata?.deletionTimestamp) continue;
    const pod = podByStack.get(stackId);
    const nodeName = pod?.spec?.nodeName ?? "";
    rebuilt.push({
      stack_id: stackId,
      pod_id: stackId,
      namespace: service.metadata?.namespace ?? "",
      node_id: nodeName,
      node_public_ip: null,
      pod_spec: record.pod_spec,
      target_port: record.target_port,
      node_port: service.spec?.ports?.[0]?.nodePort ?? 0,
      service_name: service.metadata?.name ?? `svc-${stackId}`,
      status: "creating",
      status_reason: null,
      ttl_expires_at: record.ttl_expires_at,
      created_at: record.created_at,
      updated_at: new Date(now).toISOString(),
      requested_cpu_milli: record.requested_cpu_milli,
      requested_memory_bytes: record.requested_memory_bytes,
      acknowledged: true,
    });
  }
  return rebuilt;
}

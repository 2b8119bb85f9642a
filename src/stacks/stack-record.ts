import { FormatRegistry, type Static, type TLiteral, type TUnion, Type } from "@sinclair/typebox";
import type { StackContext, StackIdentity, StackResume, StackStatus } from "../../machines/stack.types.ts";
import { stackStatuses } from "../../machines/stack.types.ts";

export const StackStatusSchema = Type.Union(
  stackStatuses.map((status) => Type.Literal(status)),
  { description: "creating, running, stopped, failed or node_deleted" },
) as unknown as TUnion<
  [
    TLiteral<"creating">,
    TLiteral<"running">,
    TLiteral<"stopped">,
    TLiteral<"failed">,
    TLiteral<"node_deleted">,
  ]
>;
// The tuple type above must name exactly the statuses of the machine: this fails to compile otherwise.
const statusesMatch: [StackStatus] extends [Static<typeof StackStatusSchema>]
  ? [Static<typeof StackStatusSchema>] extends [StackStatus]
    ? true
    : never
  : never = true;
void statusesMatch;

// TypeBox checks only formats it knows; records carry RFC 3339 times as `toISOString` writes them.
if (!FormatRegistry.Has("date-time")) {
  FormatRegistry.Set("date-time", (value) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(value));
}

const nullable = <T extends ReturnType<typeof Type.String>>(schema: T) => Type.Union([schema, Type.Null()]);

/**
 * A stack record exactly as the REST API returns it: the one schema of a stack. The live stream's
 * records are this schema, the stored row is this schema plus `acknowledged`, and types derive from it.
 * A new field is one edit here and one in `stackRecordOf` (and `identityOf`/`resumeOf` if it must survive
 * a restart).
 */
export const StackRecord = Type.Object({
  stack_id: Type.String({ examples: ["stack-5f0c2a9d41b7e8c3"] }),
  pod_id: Type.String(),
  namespace: Type.String(),
  node_id: Type.String({ description: "the node the pod is bound to, empty before scheduling" }),
  node_public_ip: nullable(Type.String({ description: "the node's ExternalIP, null when it has none" })),
  pod_spec: Type.String({ description: "the sanitised Pod manifest as YAML" }),
  target_port: Type.Integer(),
  node_port: Type.Integer(),
  service_name: Type.String(),
  status: StackStatusSchema,
  status_reason: nullable(Type.String({ description: "why the stack failed or stopped" })),
  ttl_expires_at: Type.String({ format: "date-time" }),
  created_at: Type.String({ format: "date-time" }),
  updated_at: Type.String({ format: "date-time" }),
  requested_cpu_milli: Type.Integer(),
  requested_memory_bytes: Type.Integer(),
});
export type StackRecord = Static<typeof StackRecord>;

/** A record without its `pod_spec`: what the live stream's `fields=summary` form carries. */
export const StackSummaryRecord = Type.Omit(StackRecord, ["pod_spec"]);
export type StackSummaryRecord = Static<typeof StackSummaryRecord>;

/** The persisted form: the API record plus whether the client was told of the create. */
export const StoredStack = Type.Composite([StackRecord, Type.Object({ acknowledged: Type.Boolean() })]);
export type StoredStack = Static<typeof StoredStack>;

/** `GET /stacks/{id}/status`: the contract's short form. */
export const StackStatusRecord = Type.Object({
  stack_id: Type.String(),
  status: StackStatusSchema,
  ttl: Type.String({ format: "date-time", description: "when the TTL runs out" }),
  node_port: Type.Integer(),
  target_port: Type.Integer(),
  node_public_ip: nullable(Type.String()),
});
export type StackStatusRecord = Static<typeof StackStatusRecord>;

const iso = (ms: number) => new Date(ms).toISOString();

/** The stored record of a stack actor's context in a given status (the API record is this less `acknowledged`). */
export function storedStackOf(context: StackContext, status: StackStatus): StoredStack {
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
    acknowledged: context.acknowledged,
  };
}

/** The API record of a stored one (drops `acknowledged`, keeps the schema's key order). */
export function apiRecordOf(stored: StoredStack): StackRecord {
  const { acknowledged: _acknowledged, ...record } = stored;
  return record;
}

/** The summary form of a record (drops `pod_spec`). */
export function summaryRecordOf(record: StackRecord): StackSummaryRecord {
  const { pod_spec: _podSpec, ...summary } = record;
  return summary;
}

/** True when two stored records say the same thing, field by field. */
export function sameStoredStack(a: StoredStack | undefined, b: StoredStack): boolean {
  if (!a) return false;
  for (const key in b) if (a[key as keyof StoredStack] !== b[key as keyof StoredStack]) return false;
  return true;
}

/** The facts fixed at creation, read back from a stored record. */
export function identityOf(stored: StoredStack): StackIdentity {
  return {
    stackId: stored.stack_id,
    namespace: stored.namespace,
    podName: stored.pod_id,
    serviceName: stored.service_name,
    targetPort: stored.target_port,
    podSpecYaml: stored.pod_spec,
    createdAt: Date.parse(stored.created_at),
    ttlExpiresAt: Date.parse(stored.ttl_expires_at),
    requestedCpuMilli: stored.requested_cpu_milli,
    requestedMemoryBytes: stored.requested_memory_bytes,
  };
}

/** Where a stored stack's actor picks up after a restart. */
export function resumeOf(stored: StoredStack): StackResume {
  return {
    status: stored.status,
    nodeName: stored.node_id === "" ? null : stored.node_id,
    nodePublicIp: stored.node_public_ip,
    reason: stored.status_reason,
    updatedAt: Date.parse(stored.updated_at),
    acknowledged: stored.acknowledged,
  };
}

/** The contract's short status form of a record. */
export function statusRecordOf(record: StackRecord): StackStatusRecord {
  return {
    stack_id: record.stack_id,
    status: record.status,
    ttl: record.ttl_expires_at,
    node_port: record.node_port,
    target_port: record.target_port,
    node_public_ip: record.node_public_ip,
  };
}

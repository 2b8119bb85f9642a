import { FormatRegistry, type Static, type TLiteral, type TUnion, Type } from "@sinclair/typebox";
import type {
  StackContext,
  StackExposure,
  StackIdentity,
  StackResume,
  StackStatus,
} from "../../machines/stack.types.ts";
import { stackStatuses } from "../../machines/stack.types.ts";
import { Endpoint, endpointsOf } from "../exposure/endpoints.ts";
import { StackExposureRecord } from "../exposure/stack-exposure.ts";

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

/** A string field that may be null. */
export const nullable = <T extends ReturnType<typeof Type.String>>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const PortProtocol = Type.Union([Type.Literal("TCP"), Type.Literal("UDP")]);

/** One exposed port of a stack and the NodePort it got. */
export const StackPortRecord = Type.Object({
  container_port: Type.Integer({ examples: [80] }),
  protocol: PortProtocol,
  node_port: Type.Integer({
    examples: [31538],
    description:
      "the NodePort; the host port of a hostport stack; the edge's port of a gateway or edge stack",
  }),
  app_protocol: Type.Optional(
    Type.Union([Type.Literal("tcp"), Type.Literal("http")], {
      description: "given at create; absent is tcp",
    }),
  ),
  name: Type.Optional(Type.String({ description: "the container port's name, when it has one" })),
});
export type StackPortRecord = Static<typeof StackPortRecord>;

/** The owner's labels given at create (`labels`), Kubernetes label names and values. */
export const StackLabels = Type.Record(Type.String(), Type.String(), {
  description: "the labels given at create (empty when none); filter with `label=key=value`",
  examples: [{ team: "7", challenge: "web" }],
});

/**
 * A stack record exactly as the REST API returns it: the one schema of a stack. The live stream's
 * records are this schema, the stored row is this schema plus `acknowledged`, and types derive from it.
 * A new field is one edit here and one in `storedStackOf` (and `identityOf`/`resumeOf` if it must survive
 * a restart); one that the cluster must keep is also named in record-codec.ts's `durableKeys`.
 */
export const StackRecord = Type.Object({
  stack_id: Type.String({ examples: ["stack-5f0c2a9d41b7e8c3"] }),
  pod_id: Type.String(),
  namespace: Type.String(),
  node_id: Type.String({ description: "the node the pod is bound to, empty before scheduling" }),
  node_public_ip: nullable(
    Type.String({
      description:
        "the node's ExternalIP, null when it has none; the stack's hostname for a gateway or edge stack",
    }),
  ),
  pod_spec: Type.String({ description: "the sanitised Pod manifest as YAML" }),
  target_port: Type.Optional(
    Type.Integer({
      description: "the v1.1 integer target_port; absent for stacks created with the array form",
    }),
  ),
  node_port: Type.Optional(
    Type.Integer({ description: "the NodePort of a v1.1 stack's target_port; absent for the array form" }),
  ),
  service_name: Type.String(),
  status: StackStatusSchema,
  status_reason: nullable(Type.String({ description: "why the stack failed or stopped" })),
  ttl_expires_at: Type.String({ format: "date-time" }),
  created_at: Type.String({ format: "date-time" }),
  updated_at: Type.String({ format: "date-time" }),
  requested_cpu_milli: Type.Integer(),
  requested_memory_bytes: Type.Integer(),
  ports: Type.Array(StackPortRecord, {
    description: "every exposed port with its NodePort, in request order",
  }),
  labels: StackLabels,
  exposure: Type.Optional(StackExposureRecord),
  endpoints: Type.Array(Endpoint, {
    description: "how a player reaches each exposed port, in port order, with a line to paste",
  }),
});
export type StackRecord = Static<typeof StackRecord>;

/**
 * `GET /stacks/{id}?include=env`: the record with the per-stack env values, as the stack's Pod carries
 * them (null when its Pod is not, or no longer, there). No other read returns them.
 */
export const StackRecordWithEnv = Type.Composite([
  StackRecord,
  Type.Object({
    env: Type.Optional(
      Type.Union([Type.Record(Type.String(), Type.String()), Type.Null()], {
        description: "only with `?include=env`: the `env` values given at create",
      }),
    ),
  }),
]);

/** A record without its `pod_spec`: what the live stream's `fields=summary` form carries. */
export const StackSummaryRecord = Type.Omit(StackRecord, ["pod_spec"]);
export type StackSummaryRecord = Static<typeof StackSummaryRecord>;

/** The persisted form: the API record plus whether the client was told of the create. */
export const StoredStack = Type.Composite([StackRecord, Type.Object({ acknowledged: Type.Boolean() })]);
export type StoredStack = Static<typeof StoredStack>;

const iso = (ms: number) => new Date(ms).toISOString();

/** What a record is made of: the stack's identity and what its actor learnt since. */
export type RecordFacts = StackIdentity &
  Pick<StackContext, "nodePorts" | "nodeName" | "nodePublicIp" | "updatedAt" | "reason" | "acknowledged">;

/** The stored record of a stack actor's context in a given status (the API record is this less `acknowledged`). */
export function storedStackOf(context: RecordFacts, status: StackStatus): StoredStack {
  const ports = context.ports.map((port, index) => ({
    container_port: port.containerPort,
    protocol: port.protocol,
    node_port: context.nodePorts[index] ?? 0,
    ...(port.appProtocol ? { app_protocol: port.appProtocol } : {}),
    ...(port.name ? { name: port.name } : {}),
  }));
  const { exposure } = context;
  return {
    stack_id: context.stackId,
    pod_id: context.podName,
    namespace: context.namespace,
    node_id: context.nodeName ?? "",
    node_public_ip: publicAddressOf(exposure, context.nodePublicIp),
    pod_spec: context.podSpecYaml,
    ...(context.targetPort === null
      ? {}
      : { target_port: context.targetPort, node_port: context.nodePorts[0] ?? 0 }),
    service_name: context.serviceName,
    status,
    status_reason: context.reason,
    ttl_expires_at: iso(context.ttlExpiresAt),
    created_at: iso(context.createdAt),
    updated_at: iso(context.updatedAt),
    requested_cpu_milli: context.requestedCpuMilli,
    requested_memory_bytes: context.requestedMemoryBytes,
    ports,
    labels: context.labels,
    ...(exposure ? { exposure } : {}),
    endpoints: endpointsOf({ exposure, ports, nodePublicIp: context.nodePublicIp }),
    acknowledged: context.acknowledged,
  };
}

/** What a record names as `node_public_ip`: the stack's hostname when it is routed by name, else its node's address. */
export const publicAddressOf = (exposure: StackExposure | undefined, nodePublicIp: string | null) =>
  exposure?.hostname ?? nodePublicIp;

/** The record of a stack that is being created: its identity and the NodePorts it was given, nothing else yet. */
export function newStackRecordOf(identity: StackIdentity, nodePorts: number[]): StoredStack {
  const facts = { nodeName: null, nodePublicIp: null, updatedAt: identity.createdAt, reason: null };
  return storedStackOf({ ...identity, ...facts, nodePorts, acknowledged: false }, "creating");
}

/** The API record of a stored one (drops `acknowledged`, keeps the schema's key order). */
export function apiRecordOf(stored: StoredStack): StackRecord {
  const { acknowledged: _acknowledged, ...record } = stored;
  return record;
}

function samePorts(a: StackPortRecord[], b: StackPortRecord[]): boolean {
  if (a.length !== b.length) return false;
  return a.every(
    (port, index) =>
      port.container_port === b[index]?.container_port &&
      port.protocol === b[index]?.protocol &&
      port.node_port === b[index]?.node_port,
  );
}

function sameLabels(a: Record<string, string>, b: Record<string, string>): boolean {
  if (a === b) return true;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => a[key] === b[key]);
}

/** The summary form of a record (drops `pod_spec`). */
export function summaryRecordOf(record: StackRecord): StackSummaryRecord {
  const { pod_spec: _podSpec, ...summary } = record;
  return summary;
}

/** True when two stored records say the same thing, field by field. */
export function sameStoredStack(a: StoredStack | undefined, b: StoredStack): boolean {
  if (!a) return false;
  if (a.target_port !== b.target_port || a.node_port !== b.node_port) return false;
  if (!samePorts(a.ports, b.ports) || !sameLabels(a.labels, b.labels)) return false;
  for (const key in b) {
    // Endpoints follow from the rest; the exposure is fixed at create.
    if (key === "ports" || key === "labels" || key === "endpoints" || key === "exposure") continue;
    if (a[key as keyof StoredStack] !== b[key as keyof StoredStack]) return false;
  }
  return true;
}

/** The NodePorts of a stored stack, in the order of its ports. */
export const nodePortsOf = (stored: StoredStack): number[] => stored.ports.map((port) => port.node_port);

/** The NodePort leases the stacks hold, for the port allocator (a stack exposed otherwise holds none). */
export const leasesOf = (stacks: StoredStack[]) =>
  stacks.flatMap((stack) =>
    stack.exposure ? [] : stack.ports.map((port) => ({ port: port.node_port, stackId: stack.stack_id })),
  );

/** The facts fixed at creation, read back from a stored record. */
export function identityOf(stored: StoredStack): StackIdentity {
  return {
    stackId: stored.stack_id,
    namespace: stored.namespace,
    podName: stored.pod_id,
    serviceName: stored.service_name,
    ports: stored.ports.map((port) => ({
      containerPort: port.container_port,
      protocol: port.protocol,
      ...(port.app_protocol ? { appProtocol: port.app_protocol } : {}),
      ...(port.name ? { name: port.name } : {}),
    })),
    targetPort: stored.target_port ?? null,
    labels: stored.labels,
    podSpecYaml: stored.pod_spec,
    createdAt: Date.parse(stored.created_at),
    ttlExpiresAt: Date.parse(stored.ttl_expires_at),
    requestedCpuMilli: stored.requested_cpu_milli,
    requestedMemoryBytes: stored.requested_memory_bytes,
    ...(stored.exposure ? { exposure: stored.exposure } : {}),
  };
}

/** Where a stored stack's actor picks up after a restart. */
export function resumeOf(stored: StoredStack): StackResume {
  return {
    status: stored.status,
    nodeName: stored.node_id === "" ? null : stored.node_id,
    // A routed stack's record names its hostname there; its node's address is learnt again from its Pod.
    nodePublicIp: stored.exposure?.hostname ? null : stored.node_public_ip,
    reason: stored.status_reason,
    updatedAt: Date.parse(stored.updated_at),
    acknowledged: stored.acknowledged,
  };
}

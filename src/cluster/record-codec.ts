import type { V1Service } from "@kubernetes/client-node";
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { PortProtocol, StackLabels, StackRecord } from "../stacks/stack-record.ts";

/**
 * The one codec between a stack's record and the `stackd.io/*` annotations of its Service, where the
 * cluster keeps what it cannot tell otherwise. Nothing else reads or writes these keys.
 */
export const recordAnnotations = {
  /** The facts fixed at creation (the durable part of the record). */
  record: "stackd.io/record",
  /** The terminal status a stack reached (failed, stopped, node_deleted) and why. */
  terminal: "stackd.io/terminal",
  /** The expiry the last extension set; kept apart so that an extension does not rewrite the record. */
  ttl: "stackd.io/ttl",
} as const;

/**
 * The record's fields that only the annotation holds (the rest comes from the Service, the Pod and the
 * status rule). A new durable field is one edit to the StackRecord schema and one to this list.
 */
const durableKeys = [
  "created_at",
  "ttl_expires_at",
  "target_port",
  "requested_cpu_milli",
  "requested_memory_bytes",
  "pod_spec",
  "exposure",
] as const;

/**
 * The `stackd.io/record` annotation: the durable fields, `ports` without their NodePorts (the Service
 * holds those), and `labels`; `ports` and `labels` are missing from records of stackd versions before
 * them (one port, the Service's, and no labels).
 */
export const DurableRecord = Type.Composite([
  Type.Pick(StackRecord, durableKeys),
  Type.Object({
    ports: Type.Optional(
      Type.Array(
        Type.Object({
          container_port: Type.Integer(),
          protocol: PortProtocol,
          app_protocol: Type.Optional(Type.Union([Type.Literal("tcp"), Type.Literal("http")])),
          name: Type.Optional(Type.String()),
        }),
      ),
    ),
    labels: Type.Optional(StackLabels),
  }),
]);
export type DurableRecord = Static<typeof DurableRecord>;

/** The end a stack reached while its Service still exists, written by its actor when it gets there. */
export const TerminalRecord = Type.Object({
  status: Type.Union([Type.Literal("failed"), Type.Literal("stopped"), Type.Literal("node_deleted")]),
  reason: Type.String(),
  at: Type.String(),
});
export type TerminalRecord = Static<typeof TerminalRecord>;

const TtlRecord = Type.Object({ ttl_expires_at: Type.String() });

/** What a stack's Service says of it through its annotations. */
export interface ServiceRecord {
  durable: DurableRecord;
  /** The later of the record's expiry and the one an extension wrote (an extension never shortens). */
  ttlExpiresAt: string;
  terminal: TerminalRecord | undefined;
}

type Annotations = Record<string, string>;

/** The annotations a new stack's Service is created with. */
export function annotationsOf(record: StackRecord): Annotations {
  const durable: Record<string, unknown> = {};
  for (const key of Object.keys(DurableRecord.properties) as Array<keyof DurableRecord>) {
    const value =
      key === "ports" ? record.ports.map(({ node_port: _nodePort, ...port }) => port) : record[key];
    if (value !== undefined) durable[key] = value;
  }
  return { [recordAnnotations.record]: JSON.stringify(durable) };
}

/** The merge patch that records a stack's terminal status on its Service. */
export const terminalPatchOf = (terminal: TerminalRecord) =>
  annotationPatch(recordAnnotations.terminal, terminal);

/** The merge patch that records a stack's extended expiry on its Service. */
export const expiryPatchOf = (expiresAt: number) =>
  annotationPatch(recordAnnotations.ttl, { ttl_expires_at: new Date(expiresAt).toISOString() });

function annotationPatch(key: string, value: unknown) {
  return { metadata: { annotations: { [key]: JSON.stringify(value) } } };
}

/** The record a Service's annotations hold, or undefined when it has none (or an unreadable one). */
export function decodeService(service: V1Service): ServiceRecord | undefined {
  const durable = readJson(DurableRecord, annotationOf(service, "record"));
  if (!durable) return undefined;
  return { durable, ttlExpiresAt: expiryOf(durable.ttl_expires_at, service), terminal: terminalOf(service) };
}

/** The terminal record on a stack's Service, or undefined when it has none (or an unreadable one). */
export const terminalOf = (service: V1Service) => readJson(TerminalRecord, annotationOf(service, "terminal"));

/** The expiry an extension wrote on the Service, or undefined when it has none (or an unreadable one). */
export function extendedExpiryOf(service: V1Service): string | undefined {
  const expiry = readJson(TtlRecord, annotationOf(service, "ttl"))?.ttl_expires_at;
  return expiry !== undefined && !Number.isNaN(Date.parse(expiry)) ? expiry : undefined;
}

/** The later of the record's expiry and the one an extension wrote (an extension never shortens). */
export function expiryOf(recordExpiry: string, service: V1Service): string {
  const extended = extendedExpiryOf(service);
  return extended !== undefined && Date.parse(extended) > Date.parse(recordExpiry) ? extended : recordExpiry;
}

const annotationOf = (service: V1Service, key: keyof typeof recordAnnotations) =>
  service.metadata?.annotations?.[recordAnnotations[key]];

function readJson<T extends TSchema>(schema: T, text: string | undefined): Static<T> | undefined {
  if (!text) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return Value.Check(schema, parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

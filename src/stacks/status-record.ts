import { type Static, Type } from "@sinclair/typebox";
import { nullable, StackPortRecord, type StackRecord, StackStatusSchema } from "./stack-record.ts";

/** `GET /stacks/{id}/status`: the contract's short form. */
export const StackStatusRecord = Type.Object({
  stack_id: Type.String(),
  status: StackStatusSchema,
  ttl: Type.String({ format: "date-time", description: "when the TTL runs out" }),
  node_port: Type.Optional(Type.Integer({ description: "v1.1 stacks only" })),
  target_port: Type.Optional(Type.Integer({ description: "v1.1 stacks only" })),
  node_public_ip: nullable(Type.String()),
  ports: Type.Optional(
    Type.Array(StackPortRecord, { description: "stacks created with the list form only" }),
  ),
});
export type StackStatusRecord = Static<typeof StackStatusRecord>;

/**
 * The contract's short status form of a record: exactly the v1.1 fields for a stack created with the
 * integer `target_port`, and `ports` instead of `node_port`/`target_port` for one created with the list.
 */
export function statusRecordOf(record: StackRecord): StackStatusRecord {
  const common = { stack_id: record.stack_id, status: record.status, ttl: record.ttl_expires_at };
  if (record.target_port === undefined)
    return { ...common, node_public_ip: record.node_public_ip, ports: record.ports };
  return {
    ...common,
    node_port: record.node_port ?? 0,
    target_port: record.target_port,
    node_public_ip: record.node_public_ip,
  };
}

import { type Static, Type } from "@sinclair/typebox";

const StackStatus = Type.Union(
  ["creating", "running", "stopped", "failed", "node_deleted"].map((status) => Type.Literal(status)),
);

/** A stack record exactly as the REST API returns it. */
export const StackRecord = Type.Object({
  stack_id: Type.String(),
  pod_id: Type.String(),
  namespace: Type.String(),
  node_id: Type.String(),
  node_public_ip: Type.Union([Type.String(), Type.Null()]),
  pod_spec: Type.String(),
  target_port: Type.Integer(),
  node_port: Type.Integer(),
  service_name: Type.String(),
  status: StackStatus,
  status_reason: Type.Union([Type.String(), Type.Null()]),
  ttl_expires_at: Type.String(),
  created_at: Type.String(),
  updated_at: Type.String(),
  requested_cpu_milli: Type.Integer(),
  requested_memory_bytes: Type.Integer(),
});

/** The live stream's messages, defined once; the README documents them from here. */
export const LiveMessage = {
  /** First message without `since` (and after a resync): every current stack; `seq` is the last change included. */
  snapshot: Type.Object({
    type: Type.Literal("snapshot"),
    seq: Type.Integer(),
    stacks: Type.Array(StackRecord),
  }),
  /** One status change. `seq` grows by one per change across the whole service. */
  change: Type.Object({
    type: Type.Literal("change"),
    seq: Type.Integer(),
    stack_id: Type.String(),
    status: Type.Union([StackStatus, Type.Literal("deleted")]),
    previous_status: Type.Union([StackStatus, Type.Null()]),
    reason: Type.Union([Type.String(), Type.Null()]),
    at: Type.String(),
    stack: StackRecord,
  }),
  /** The client must drop its state and use the snapshot that follows. */
  resync: Type.Object({
    type: Type.Literal("resync"),
    reason: Type.Union([Type.Literal("since_too_old"), Type.Literal("since_in_future")]),
    seq: Type.Integer(),
  }),
  /** Sent every few seconds on an idle connection; `seq` is the latest change. */
  heartbeat: Type.Object({ type: Type.Literal("heartbeat"), seq: Type.Integer(), at: Type.String() }),
} as const;

export type SnapshotMessage = Static<typeof LiveMessage.snapshot>;
export type ChangeMessage = Static<typeof LiveMessage.change>;
export type ResyncMessage = Static<typeof LiveMessage.resync>;
export type HeartbeatMessage = Static<typeof LiveMessage.heartbeat>;
export type LiveMessageType = SnapshotMessage | ChangeMessage | ResyncMessage | HeartbeatMessage;

/** Close code sent to a client that fell too far behind; it should reconnect with `since`. */
export const slowConsumerCloseCode = 4008;

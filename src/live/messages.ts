import { type Static, Type } from "@sinclair/typebox";
import { StackRecord, StackStatusSchema, StackSummaryRecord } from "../stacks/stack-record.ts";

function changeMessage<R extends typeof StackRecord | typeof StackSummaryRecord>(record: R) {
  return Type.Object({
    type: Type.Literal("change"),
    seq: Type.Integer(),
    stack_id: Type.String(),
    status: Type.Union([StackStatusSchema, Type.Literal("deleted")]),
    previous_status: Type.Union([StackStatusSchema, Type.Null()]),
    reason: Type.Union([Type.String(), Type.Null()]),
    at: Type.String(),
    stack: record,
  });
}

/** The live stream's messages, defined once; docs/live-view.md documents them from here. */
export const LiveMessage = {
  /** First message without `since` (and after a resync): every current stack; `seq` is the last change included. */
  snapshot: Type.Object({
    type: Type.Literal("snapshot"),
    seq: Type.Integer(),
    stacks: Type.Array(StackRecord),
  }),
  /**
   * One status change, or a TTL extension (`reason` "ttl_extended", the status unchanged). `seq` grows by
   * one per change across the whole service.
   */
  change: changeMessage(StackRecord),
  /** With `fields=summary`: the snapshot's records lack `pod_spec` (`GET /stacks/{id}` has it). */
  summarySnapshot: Type.Object({
    type: Type.Literal("snapshot"),
    seq: Type.Integer(),
    stacks: Type.Array(StackSummaryRecord),
  }),
  /**
   * With `snapshot_slice=N`: the snapshot in parts of at most N records, sent in order; the snapshot is
   * whole after the part whose `part` equals `parts`. Records lack `pod_spec` with `fields=summary`.
   */
  snapshot_part: Type.Object({
    type: Type.Literal("snapshot_part"),
    seq: Type.Integer(),
    part: Type.Integer({ minimum: 1 }),
    parts: Type.Integer({ minimum: 1 }),
    stacks: Type.Array(Type.Union([StackRecord, StackSummaryRecord])),
  }),
  /** With `fields=summary`: a change whose record lacks `pod_spec`. */
  summaryChange: changeMessage(StackSummaryRecord),
  /** The client must drop its state and use the snapshot that follows. */
  resync: Type.Object({
    type: Type.Literal("resync"),
    reason: Type.Union([
      Type.Literal("since_too_old"),
      Type.Literal("since_in_future"),
      Type.Literal("history_gap"),
      Type.Literal("other_stream"),
    ]),
    seq: Type.Integer(),
  }),
  /** Sent every few seconds on an idle connection; `seq` is the latest change. */
  heartbeat: Type.Object({ type: Type.Literal("heartbeat"), seq: Type.Integer(), at: Type.String() }),
} as const;

export type SnapshotMessage = Static<typeof LiveMessage.snapshot>;
export type ChangeMessage = Static<typeof LiveMessage.change>;
export type SummarySnapshotMessage = Static<typeof LiveMessage.summarySnapshot>;
export type SummaryChangeMessage = Static<typeof LiveMessage.summaryChange>;
export type SnapshotPartMessage = Static<typeof LiveMessage.snapshot_part>;
export type ResyncMessage = Static<typeof LiveMessage.resync>;
export type HeartbeatMessage = Static<typeof LiveMessage.heartbeat>;
export type LiveMessageType =
  | SnapshotMessage
  | SnapshotPartMessage
  | ChangeMessage
  | ResyncMessage
  | HeartbeatMessage;

/** Close code sent to a client that fell too far behind; it should reconnect with `since`. */
export const slowConsumerCloseCode = 4008;

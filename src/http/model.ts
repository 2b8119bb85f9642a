import { type Static, Type } from "@sinclair/typebox";
import { LiveMessage } from "../live/messages.ts";
import { StackRecord, StackStatusRecord } from "../stacks/stack-record.ts";
import { StackStats } from "../stacks/stack-stats.ts";

/** Every `{"error": ...}` answer. */
export const ErrorBody = Type.Object({
  error: Type.String({ description: "what went wrong, for a person" }),
});

/** The schemas of the REST API, defined once; types derive from them and the OpenAPI document is built from them. */
export const stackModel = {
  createBody: Type.Object(
    {
      target_port: Type.Integer({ description: "the container port to expose (1-65535)", examples: [80] }),
      pod_spec: Type.String({ description: "the challenge's Pod manifest as YAML" }),
    },
    { additionalProperties: true },
  ),
  stackParams: Type.Object({
    stack_id: Type.String({ description: "the stack's id, `stack-` and 16 hex digits" }),
  }),
  deleted: Type.Object({ deleted: Type.Literal(true), stack_id: Type.String() }),
  list: Type.Object({ stacks: Type.Array(StackRecord) }),
  record: StackRecord,
  status: StackStatusRecord,
  stats: StackStats,
  health: Type.Object({ status: Type.Literal("ok") }),
  error: ErrorBody,
} as const;

export type CreateStackBody = Static<typeof stackModel.createBody>;

/** The live stream's messages as named OpenAPI components (a WebSocket has no place in OpenAPI's paths). */
export const liveMessageComponents = {
  LiveSnapshotMessage: LiveMessage.snapshot,
  LiveChangeMessage: LiveMessage.change,
  LiveResyncMessage: LiveMessage.resync,
  LiveHeartbeatMessage: LiveMessage.heartbeat,
  LiveSummarySnapshotMessage: LiveMessage.summarySnapshot,
  LiveSummaryChangeMessage: LiveMessage.summaryChange,
};

/** The error answers a route may give, by status, for its `response` schema. */
export const errorAnswers = <const S extends number>(...statuses: S[]) =>
  Object.fromEntries(statuses.map((status) => [status, ErrorBody])) as Record<S, typeof ErrorBody>;

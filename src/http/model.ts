import { type Static, Type } from "@sinclair/typebox";
import { LiveMessage } from "../live/messages.ts";
import { maxExposedPorts } from "../podspec/sanitize-pod-spec.ts";
import { maxStackEnv } from "../podspec/stack-env.ts";
import { maxStackLabels } from "../podspec/stack-labels.ts";
import { PortProtocol, StackRecord, StackRecordWithEnv, StackStatusSchema } from "../stacks/stack-record.ts";
import { StackStats } from "../stacks/stack-stats.ts";
import { StackStatusRecord } from "../stacks/status-record.ts";

/** The largest page `GET /stacks` gives, and the size of a page asked for by `cursor` alone. */
export const maxPageSize = 1000;
export const defaultPageSize = 100;

/** One entry of the v1.2 array form of `target_port`. */
const PortRequestBody = Type.Object(
  {
    container_port: Type.Integer({ description: "a declared containerPort (1-65535)", examples: [53] }),
    protocol: PortProtocol,
    app_protocol: Type.Optional(
      Type.Union([Type.Literal("tcp"), Type.Literal("http")], {
        description:
          "`http` when the port speaks HTTP: its endpoint is a URL (and, in gateway mode, its route an HTTPRoute). Default: `http` for a port named `http` or `http-*`, else `tcp`",
      }),
    ),
  },
  { additionalProperties: false },
);

/** The filters of `GET /stacks` and `GET /stats`; each may be repeated. */
const filterQuery = {
  label: Type.Optional(
    Type.Array(Type.String(), { description: "key=value; repeat it: a stack must carry every pair" }),
  ),
  status: Type.Optional(
    Type.Array(StackStatusSchema, { description: "a status; repeat it for any of several" }),
  ),
  node: Type.Optional(
    Type.Array(Type.String(), { description: "a node name (`node_id`); repeat it for any of several" }),
  ),
};

/** Every `{"error": ...}` answer. */
export const ErrorBody = Type.Object({
  error: Type.String({ description: "what went wrong, for a person" }),
});

/** A 409 of `POST /stacks`: with STACK_UNIQUE_LABELS, the live stack whose labels the create repeats. */
export const CreateConflictBody = Type.Object({
  error: Type.String({ description: "what went wrong, for a person" }),
  stack_id: Type.Optional(
    Type.String({ description: "the live stack with the same STACK_UNIQUE_LABELS values (docs/limits.md)" }),
  ),
});

/** The schemas of the REST API, defined once; types derive from them and the OpenAPI document is built from them. */
export const stackModel = {
  createBody: Type.Object(
    {
      target_port: Type.Union(
        [
          Type.Integer({
            description: "v1.1: the one container port to expose (1-65535); the pod declares exactly one",
            examples: [80],
          }),
          Type.Array(PortRequestBody, {
            minItems: 1,
            maxItems: maxExposedPorts,
            description: `v1.2: 1 to ${maxExposedPorts} declared container ports to expose (any subset), each on its own NodePort; no port and protocol twice`,
          }),
        ],
        { description: "an integer (v1.1) or a list of ports (v1.2)" },
      ),
      pod_spec: Type.String({ description: "the challenge's Pod manifest as YAML" }),
      labels: Type.Optional(
        Type.Record(Type.String(), Type.String(), {
          description: `at most ${maxStackLabels} owner labels (label names without a prefix, label values); set on the Pod as label.stackd.io/<key> and returned in every record`,
          examples: [{ team: "7", challenge: "web" }],
        }),
      ),
      env: Type.Optional(
        Type.Record(Type.String(), Type.String(), {
          description: `at most ${maxStackEnv} variables injected into every container (a per-stack flag, say); never returned but by GET /stacks/{id}?include=env, never logged or streamed`,
          examples: [{ FLAG: "flag{...}" }],
        }),
      ),
    },
    { additionalProperties: true },
  ),
  stackParams: Type.Object({
    stack_id: Type.String({ description: "the stack's id, `stack-` and 16 hex digits" }),
  }),
  deleted: Type.Object({ deleted: Type.Literal(true), stack_id: Type.String() }),
  list: Type.Object({ stacks: Type.Array(StackRecord) }),
  record: StackRecord,
  recordWithEnv: StackRecordWithEnv,
  readQuery: Type.Object(
    {
      include: Type.Optional(
        Type.Array(Type.Literal("env"), { description: "`env`: also return the per-stack env values" }),
      ),
    },
    { additionalProperties: true },
  ),
  statsQuery: Type.Object(filterQuery, { additionalProperties: true }),
  listQuery: Type.Object(
    {
      ...filterQuery,
      limit: Type.Optional(
        Type.Integer({
          minimum: 1,
          maximum: maxPageSize,
          description: `page size, 1 to ${maxPageSize} (${defaultPageSize} when only cursor is given)`,
        }),
      ),
      cursor: Type.Optional(
        Type.String({
          description:
            "the next_cursor of the previous page; pages follow creation time, then id, so a stack created or deleted meanwhile never shifts the others",
        }),
      ),
    },
    { additionalProperties: true },
  ),
  page: Type.Object({
    stacks: Type.Array(StackRecord),
    next_cursor: Type.Optional(
      Type.Union([Type.String(), Type.Null()], {
        description:
          "only with `limit` or `cursor`: pass it as `cursor` for the next page; null on the last page",
      }),
    ),
  }),
  status: StackStatusRecord,
  stats: StackStats,
  health: Type.Object({ status: Type.Literal("ok") }),
  error: ErrorBody,
} as const;

export type CreateStackBody = Static<typeof stackModel.createBody>;
export type StatsQuery = Static<typeof stackModel.statsQuery>;
export type ListQuery = Static<typeof stackModel.listQuery>;

/** The live stream's messages as named OpenAPI components (a WebSocket has no place in OpenAPI's paths). */
export const liveMessageComponents = {
  LiveSnapshotMessage: LiveMessage.snapshot,
  LiveChangeMessage: LiveMessage.change,
  LiveResyncMessage: LiveMessage.resync,
  LiveHeartbeatMessage: LiveMessage.heartbeat,
  LiveSummarySnapshotMessage: LiveMessage.summarySnapshot,
  LiveSummaryChangeMessage: LiveMessage.summaryChange,
  LiveSnapshotPartMessage: LiveMessage.snapshot_part,
};

/** The error answers a route may give, by status, for its `response` schema. */
export const errorAnswers = <const S extends number>(...statuses: S[]) =>
  Object.fromEntries(statuses.map((status) => [status, ErrorBody])) as Record<S, typeof ErrorBody>;

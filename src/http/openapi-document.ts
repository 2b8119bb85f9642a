import type { OpenAPIV3 } from "openapi-types";
import { ErrorBody } from "./model.ts";

/** The OpenAPI document's prose: what stackd serves and how to authenticate. */
export const apiDescription = `The REST API of container-provisioner-k8s (v1.1), served unchanged, with v1.2's list form of
\`target_port\` (several ports, UDP), owner \`labels\`, per-stack \`env\` (returned only with \`include=env\`),
filters and paging, batch delete, TTL extend, plus stackd's live stream.

Authenticate with the \`X-API-KEY\` header or the \`api_key\` query parameter (a URL may be logged by a proxy:
prefer the header). A browser's WebSocket offers the subprotocols \`stackd.v1\` and \`stackd.key.<the key in base64url>\`.

The WebSocket \`/ws/stacks\` (query: \`stack_id\`, \`since\`, \`fields\`, \`api_key\`) sends JSON messages whose schemas are the
components LiveSnapshotMessage, LiveChangeMessage, LiveResyncMessage and LiveHeartbeatMessage; with
\`fields=summary\` its records lack \`pod_spec\` (LiveSummarySnapshotMessage, LiveSummaryChangeMessage); with
\`snapshot_slice\` a snapshot comes as LiveSnapshotPartMessage parts.`;

const errorContent = { "application/json": { schema: ErrorBody } };

/** `/ws/stacks` in OpenAPI's terms: a GET that upgrades, then the messages named in the components. */
export const liveStreamOperation: OpenAPIV3.PathItemObject = {
  get: {
    tags: ["live"],
    summary: "The live stream of stack changes (WebSocket)",
    description:
      "Upgrades to a WebSocket. Without `since` the first message is a snapshot; then one change message per status change, in `seq` order, and heartbeats. Messages: LiveSnapshotMessage, LiveChangeMessage, LiveResyncMessage, LiveHeartbeatMessage. With `fields=summary` every record (snapshot, change, replay) lacks `pod_spec`: LiveSummarySnapshotMessage and LiveSummaryChangeMessage; `GET /stacks/{stack_id}` gives a stack's whole record.",
    parameters: [
      {
        name: "stack_id",
        in: "query",
        required: false,
        schema: { type: "string" },
        description: "only this stack",
      },
      {
        name: "since",
        in: "query",
        required: false,
        schema: { type: "integer", minimum: 0 },
        description: "replay the changes after this seq, or resync with a snapshot",
      },
      {
        name: "fields",
        in: "query",
        required: false,
        schema: { type: "string", enum: ["full", "summary"], default: "full" },
        description:
          "`summary`: records without `pod_spec`, for clients that list many stacks (the dashboard); default `full`, the whole records",
      },
      {
        name: "snapshot_slice",
        in: "query",
        required: false,
        schema: { type: "integer", minimum: 100, maximum: 10000 },
        description:
          "send a snapshot of every stack as LiveSnapshotPartMessage messages of at most this many records (the snapshot is whole after part `parts`), so that a client parses 10,000 stacks in small steps",
      },
    ],
    responses: {
      101: { description: "Switching Protocols: the stream's JSON messages follow" },
      400: { description: "a malformed query", content: errorContent as never },
      401: {
        description: "a wrong or missing key, refused before the upgrade",
        content: errorContent as never,
      },
    },
  },
};

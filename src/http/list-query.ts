import type { OpenAPIV3 } from "openapi-types";
import { type StackStatus, stackStatuses } from "../../machines/stack.types.ts";
import { AppError } from "../errors/app-error.ts";
import { isStackLabelKey, isStackLabelValue } from "../podspec/stack-labels.ts";
import { noFilter, positionOfCursor, type StackFilter, type StackPage } from "../stacks/stack-filter.ts";

/** The largest page `GET /stacks` gives, and the size of a page asked for by `cursor` alone. */
export const maxPageSize = 1000;
export const defaultPageSize = 100;

const invalidQuery = (reason: string) => new AppError("INVALID_QUERY", `invalid query: ${reason}`);

function parseLabel(text: string): readonly [string, string] {
  const equals = text.indexOf("=");
  const key = equals < 0 ? text : text.slice(0, equals);
  const value = equals < 0 ? undefined : text.slice(equals + 1);
  if (value === undefined || !isStackLabelKey(key) || !isStackLabelValue(value))
    throw invalidQuery(
      `label must be key=value with a label name and a label value, got ${JSON.stringify(text)}`,
    );
  return [key, value];
}

function parseStatus(text: string): StackStatus {
  if ((stackStatuses as readonly string[]).includes(text)) return text as StackStatus;
  throw invalidQuery(`status must be one of ${stackStatuses.join(", ")}, got ${JSON.stringify(text)}`);
}

/** `label=key=value` (every one must match), `status=` and `node=` (any of them; repeatable). */
export function parseStackFilter(params: URLSearchParams): StackFilter {
  const labels = params.getAll("label").map(parseLabel);
  const statuses = params.getAll("status").map(parseStatus);
  const nodes = params.getAll("node");
  if (labels.length === 0 && statuses.length === 0 && nodes.length === 0) return noFilter;
  return {
    labels,
    statuses: statuses.length > 0 ? new Set(statuses) : null,
    nodes: nodes.length > 0 ? new Set(nodes) : null,
  };
}

/** `limit` and `cursor`; undefined when neither is given (the whole list, as the contract answers it). */
export function parseStackPage(params: URLSearchParams): StackPage | undefined {
  const limitText = params.get("limit");
  const cursor = params.get("cursor");
  if (limitText === null && cursor === null) return undefined;
  const limit = limitText === null ? defaultPageSize : Number(limitText);
  if (!/^\d+$/.test(limitText ?? "1") || !Number.isInteger(limit) || limit < 1 || limit > maxPageSize)
    throw invalidQuery(`limit must be an integer between 1 and ${maxPageSize}`);
  if (cursor === null || cursor === "") return { limit, after: null };
  const after = positionOfCursor(cursor);
  if (!after) throw invalidQuery("cursor is not one this API gave (pass next_cursor as it came)");
  return { limit, after };
}

/** `include=env` on `GET /stacks/{id}`; anything else is refused. */
export function includesEnv(params: URLSearchParams): boolean {
  const include = params.getAll("include");
  for (const value of include)
    if (value !== "env") throw invalidQuery(`include must be "env", got ${JSON.stringify(value)}`);
  return include.length > 0;
}

/** `include` on `GET /stacks` and `GET /stats`: refused whatever its value, since only one stack's read takes it. */
export function refuseInclude(params: URLSearchParams): void {
  const value = params.get("include");
  if (value !== null)
    throw invalidQuery(
      `include is taken only by GET /stacks/{id} (include=env), got ${JSON.stringify(value)}`,
    );
}

const queryParameter = (
  name: string,
  description: string,
  schema: OpenAPIV3.SchemaObject = { type: "string" },
): OpenAPIV3.ParameterObject => ({ name, in: "query", required: false, description, schema });

const repeatable = (description: string): OpenAPIV3.SchemaObject => ({
  type: "array",
  items: { type: "string" },
  description,
});

/** The filter parameters of `GET /stacks` and `GET /stats`, for the OpenAPI document. */
export const filterParameters: OpenAPIV3.ParameterObject[] = [
  {
    ...queryParameter(
      "label",
      "key=value; repeat it: a stack must carry every pair",
      repeatable("key=value"),
    ),
    style: "form",
    explode: true,
  },
  {
    ...queryParameter("status", "a status; repeat it for any of several", repeatable("a stack status")),
    style: "form",
    explode: true,
  },
  {
    ...queryParameter(
      "node",
      "a node name (`node_id`); repeat it for any of several",
      repeatable("a node name"),
    ),
    style: "form",
    explode: true,
  },
];

/** The paging parameters of `GET /stacks`. */
export const pageParameters: OpenAPIV3.ParameterObject[] = [
  queryParameter("limit", `page size, 1 to ${maxPageSize} (${defaultPageSize} when only cursor is given)`, {
    type: "integer",
    minimum: 1,
    maximum: maxPageSize,
  }),
  queryParameter(
    "cursor",
    "the next_cursor of the previous page; pages follow creation time, then id, so a stack created or deleted meanwhile never shifts the others",
  ),
];

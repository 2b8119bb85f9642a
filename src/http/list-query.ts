import type { ValueError } from "@sinclair/typebox/value";
import { stackStatuses } from "../../machines/stack.types.ts";
import { AppError } from "../errors/app-error.ts";
import { isStackLabelKey, isStackLabelValue } from "../podspec/stack-labels.ts";
import { noFilter, positionOfCursor, type StackFilter, type StackPage } from "../stacks/stack-filter.ts";
import { defaultPageSize, type ListQuery, maxPageSize, type StatsQuery } from "./model.ts";

const invalidQuery = (reason: string) => new AppError("INVALID_QUERY", `invalid query: ${reason}`);

/** The contract's 400 for the first problem of a stack query's schema check (`stackModel.*Query`). */
export function queryRefusal({ path, value }: ValueError): AppError {
  const name = path.split("/")[1] ?? "";
  if (name === "status")
    return invalidQuery(`status must be one of ${stackStatuses.join(", ")}, got ${JSON.stringify(value)}`);
  if (name === "limit") return invalidQuery(`limit must be an integer between 1 and ${maxPageSize}`);
  if (name === "include") return invalidQuery(`include must be "env", got ${JSON.stringify(value)}`);
  return invalidQuery(`${name} is not valid, got ${JSON.stringify(value)}`);
}

/** A `label` filter's `key=value`, which its schema (a string) cannot check: a label name and a label value. */
function labelPairOf(text: string): readonly [string, string] {
  const equals = text.indexOf("=");
  const key = equals < 0 ? text : text.slice(0, equals);
  const value = equals < 0 ? undefined : text.slice(equals + 1);
  if (value === undefined || !isStackLabelKey(key) || !isStackLabelValue(value))
    throw invalidQuery(
      `label must be key=value with a label name and a label value, got ${JSON.stringify(text)}`,
    );
  return [key, value];
}

/** `label=key=value` (every one must match), `status=` and `node=` (any of them), of a checked query. */
export function stackFilterOf({ label = [], status = [], node = [] }: StatsQuery): StackFilter {
  const labels = label.map(labelPairOf);
  if (labels.length === 0 && status.length === 0 && node.length === 0) return noFilter;
  return {
    labels,
    statuses: status.length > 0 ? new Set(status) : null,
    nodes: node.length > 0 ? new Set(node) : null,
  };
}

/** `limit` and `cursor` of a checked query; undefined when neither is given (the whole list, as the contract answers it). */
export function stackPageOf({ limit, cursor }: ListQuery): StackPage | undefined {
  if (limit === undefined && cursor === undefined) return undefined;
  const size = limit ?? defaultPageSize;
  if (cursor === undefined || cursor === "") return { limit: size, after: null };
  const after = positionOfCursor(cursor);
  if (!after) throw invalidQuery("cursor is not one this API gave (pass next_cursor as it came)");
  return { limit: size, after };
}

/** `include` on `GET /stacks` and `GET /stats`: refused whatever its value, since only one stack's read takes it. */
export function refuseInclude(query: object): void {
  const { include } = query as { include?: unknown };
  if (include !== undefined)
    throw invalidQuery(
      `include is taken only by GET /stacks/{id} (include=env), got ${JSON.stringify(include)}`,
    );
}

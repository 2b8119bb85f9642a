import { Kind, type Static, type TObject, type TSchema } from "@sinclair/typebox";
import { Value, type ValueError } from "@sinclair/typebox/value";
import type { AppError } from "../errors/app-error.ts";

/** The contract's refusal for TypeBox's first error in a body or a query. */
export type Refusal = (error: ValueError) => AppError;

/** The one issue a strict schema reports to Elysia; `renderError` answers with its refusal. */
export interface RefusalIssue {
  message: string;
  path: [];
  refusal: AppError;
}

const refusalOf = (schema: TSchema, refuse: Refusal, value: unknown): AppError | undefined => {
  const first = Value.Errors(schema, value).First();
  return first && refuse(first);
};

/** `value` as `schema` types it, or `refuse`'s answer to TypeBox's first error: `strictSchema`'s check, for a parser. */
export function checkedBy<S extends TSchema>(schema: S, refuse: Refusal, value: unknown): Static<S> {
  const refusal = refusalOf(schema, refuse, value);
  if (refusal) throw refusal;
  return value as Static<S>;
}

/**
 * A route's body or query schema that Elysia checks once, as the value came: nothing coerced and nothing
 * removed (Elysia's own TypeBox check does both). A failure is `refuse`'s answer to TypeBox's first
 * error. The OpenAPI document still reads the TypeBox schema; the check hides behind a non-enumerable
 * Standard Schema `~standard`, which Elysia prefers when it validates.
 */
export function strictSchema<S extends TSchema>(
  schema: S,
  refuse: Refusal,
  decode: (input: unknown) => unknown = (input) => input,
): S {
  const strict = { ...schema };
  const validate = (input: unknown) => {
    const value = decode(input);
    const refusal = refusalOf(strict, refuse, value);
    if (!refusal) return { value };
    const issue: RefusalIssue = { message: refusal.message, path: [], refusal };
    return { issues: [issue] };
  };
  Object.defineProperty(strict, "~standard", {
    value: { version: 1, vendor: "stackd", validate },
    enumerable: false,
  });
  return strict;
}

const isArraySchema = (schema: TSchema | undefined) => schema?.[Kind] === "Array";
const isIntegerSchema = (schema: TSchema | undefined) => schema?.[Kind] === "Integer";

/** One query parameter as its schema reads it (Elysia's parser gives a string, or a list when repeated). */
function decodeParameter(property: TSchema | undefined, given: string | string[]): unknown {
  if (isArraySchema(property)) return Array.isArray(given) ? given : [given];
  const value = Array.isArray(given) ? given[0] : given;
  return isIntegerSchema(property) && value !== undefined && /^\d+$/.test(value) ? Number(value) : value;
}

/**
 * A query as its schema reads it: a parameter given once is still a list where the schema wants a list,
 * the first of a repeated one where it wants one value, and an integer only when written in digits.
 */
export function queryDecoder(schema: TObject): (input: unknown) => unknown {
  return (input) =>
    Object.fromEntries(
      Object.entries(input as Record<string, string | string[]>).map(([name, given]) => [
        name,
        decodeParameter(schema.properties[name], given),
      ]),
    );
}

/** A strict query schema: `strictSchema` over `queryDecoder`. */
export const strictQuery = <S extends TObject>(schema: S, refuse: Refusal): S =>
  strictSchema(schema, refuse, queryDecoder(schema));

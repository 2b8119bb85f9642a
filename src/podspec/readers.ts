import { type Allowlist, type FieldReader, objectOf } from "./allowlist.ts";
import {
  describeType,
  expectBoolean,
  expectList,
  expectString,
  fail,
  type JsonObject,
  type JsonValue,
  quote,
} from "./fields.ts";
import type { PodPolicy } from "./pod-policy.ts";
import { InvalidQuantityError, parseMemoryBytes } from "./quantity.ts";

export const anyString: FieldReader = (value, path) => expectString(value, path);

export const anyBoolean: FieldReader = (value, path) => expectBoolean(value, path);

/** The value as an integer in [min, max], or a refusal naming the bounds. */
export function integerBetween(value: JsonValue, min: number, max: number, path: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    fail(`${path} must be an integer between ${min} and ${max}, got ${quote(value)}`);
  }
  return value;
}

export function integerIn(min: number, max: number): FieldReader {
  return (value, path) => integerBetween(value, min, max, path);
}

/** The largest value of a Kubernetes int32 field. */
export const int32Max = 2_147_483_647;

/** A probe count or a number of seconds. */
export const nonNegativeInteger = integerIn(0, int32Max);

/** A file mode of a projected file. */
export const fileMode = integerIn(0, 0o777);

/** "A", "A or B", "A, B or C". */
export function alternatives(values: readonly string[]): string {
  const shown = values.map((value) => (value === "" ? '""' : value));
  return shown.length === 1 ? String(shown[0]) : `${shown.slice(0, -1).join(", ")} or ${shown.at(-1)}`;
}

/** One of a few fixed strings. */
export function oneOf(values: readonly string[]): FieldReader {
  return (value, path) => {
    if (typeof value !== "string" || !values.includes(value)) {
      fail(`${path} must be ${alternatives(values)}, got ${quote(value)}`);
    }
    return value;
  };
}

/** Refuses an object that does not set exactly one of `keys` (a probe's or hook's action, a volume's source...). */
export function checkExactlyOne(object: JsonObject, keys: readonly string[], path: string): void {
  const found = keys.filter((key) => object[key] !== undefined).length;
  if (found !== 1) fail(`${path} must set exactly one of ${alternatives(keys)}, found ${found}`);
}

export const stringList: FieldReader = (value, path) =>
  expectList(value, path).map((item, index) => expectString(item, `${path}[${index}]`));

/** A bound on how many items a list may have, and what to call them in the refusal. */
export interface ListCap {
  limit: (policy: PodPolicy) => number;
  noun: string;
}

/** Refuses a list longer than the policy allows. */
export function checkListCap(list: readonly unknown[], cap: ListCap, policy: PodPolicy, path: string): void {
  const limit = cap.limit(policy);
  if (list.length > limit) {
    fail(`${path} lists ${list.length} ${cap.noun}, more than the limit of ${limit}`);
  }
}

/** A list whose items are each read by `read`, optionally capped. */
export function listOf(read: FieldReader, cap?: ListCap): FieldReader {
  return (value, path, context) => {
    const list = expectList(value, path);
    if (cap) checkListCap(list, cap, context.policy, path);
    const kept: JsonValue[] = [];
    for (const [index, item] of list.entries()) {
      const value = read(item, `${path}[${index}]`, context);
      if (value !== undefined) kept.push(value);
    }
    return kept;
  };
}

/** A list of objects of one kind. */
export function listOfObjects(allowlist: Allowlist, cap?: ListCap): FieldReader {
  return listOf(objectOf(allowlist), cap);
}

/** A path inside a volume: relative, with no `..` step out of it. */
export const relativePath: FieldReader = (value, path) => {
  const text = expectString(value, path);
  if (text.startsWith("/") || text.split("/").includes("..")) {
    fail(`${path} must be a relative path without "..", got ${quote(text)}`);
  }
  return text;
};

/** A quantity read by `parse` (bytes or millicores); refuses anything Kubernetes would not parse. */
export function parsedQuantity(
  value: JsonValue,
  path: string,
  parse: (quantity: string | number) => number = parseMemoryBytes,
): number {
  if (typeof value !== "string" && typeof value !== "number") {
    return fail(`${path} must be a quantity such as "100m" or "128Mi", got ${describeType(value)}`);
  }
  try {
    return parse(value);
  } catch (error) {
    if (error instanceof InvalidQuantityError) fail(`${path}: ${error.message}`);
    throw error;
  }
}

/** Any valid quantity (read by `parse`: bytes by default, or millicores), kept as written. */
export function quantityOf(parse: (quantity: string | number) => number = parseMemoryBytes): FieldReader {
  return (value, path) => {
    parsedQuantity(value, path, parse);
    return value;
  };
}

export const quantity = quantityOf();

import { InvalidPodSpecError } from "./errors.ts";

export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** Rejects the pod spec with a human reason. */
export function fail(reason: string): never {
  throw new InvalidPodSpecError(reason);
}

export function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** "a string", "a list", ... for reasons like `spec.containers must be a list, got a mapping`. */
export function describeType(value: JsonValue): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return `a ${typeof value}`;
}

/** Characters a reader cannot see or that reorder text: controls, format and bidi marks, separators. */
const invisible = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Zs}\p{Co}\p{Cn}]/gu;

function escapeInvisible(char: string): string {
  if (char === " ") return char;
  const hex = (char.codePointAt(0) ?? 0).toString(16).padStart(4, "0");
  return hex.length > 4 ? `\\u{${hex}}` : `\\u${hex}`;
}

/** A value for a reason, quoted with invisible characters escaped and cut short, so a hostile spec cannot flood or disguise the error. */
export function quote(value: JsonValue): string {
  const text = JSON.stringify(value).replace(invisible, escapeInvisible);
  return text.length > 64 ? `${text.slice(0, 61)}...` : text;
}

export function childPath(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

function wrongType(path: string, expected: string, value: JsonValue): never {
  return fail(`${path} must be ${expected}, got ${describeType(value)}`);
}

/** The value as a mapping, or a refusal naming its type. */
export function expectObject(value: JsonValue, path: string): JsonObject {
  return isObject(value) ? value : wrongType(path, "a mapping", value);
}

/** The value as a list, or a refusal naming its type. */
export function expectList(value: JsonValue, path: string): JsonValue[] {
  return Array.isArray(value) ? value : wrongType(path, "a list", value);
}

/** The value as a string, or a refusal naming its type. */
export function expectString(value: JsonValue, path: string): string {
  return typeof value === "string" ? value : wrongType(path, "a string", value);
}

/** The value as a boolean, or a refusal naming its type. */
export function expectBoolean(value: JsonValue, path: string): boolean {
  return typeof value === "boolean" ? value : wrongType(path, "a boolean", value);
}

/** The mapping at parent[key], or undefined when absent or null. */
export function optionalObject(parent: JsonObject, key: string, path: string): JsonObject | undefined {
  const value = parent[key];
  if (value === undefined || value === null) return undefined;
  return isObject(value) ? value : wrongType(childPath(path, key), "a mapping", value);
}

/** The list at parent[key], or undefined when absent or null. */
export function optionalList(parent: JsonObject, key: string, path: string): JsonValue[] | undefined {
  const value = parent[key];
  if (value === undefined || value === null) return undefined;
  return Array.isArray(value) ? value : wrongType(childPath(path, key), "a list", value);
}

/** The string at parent[key], or undefined when absent or null. */
export function optionalString(parent: JsonObject, key: string, path: string): string | undefined {
  const value = parent[key];
  if (value === undefined || value === null) return undefined;
  return typeof value === "string" ? value : wrongType(childPath(path, key), "a string", value);
}

/** The boolean at parent[key], or undefined when absent or null. */
export function optionalBoolean(parent: JsonObject, key: string, path: string): boolean | undefined {
  const value = parent[key];
  if (value === undefined || value === null) return undefined;
  return typeof value === "boolean" ? value : wrongType(childPath(path, key), "a boolean", value);
}

/** A non-empty string at parent[key]; absent or empty is rejected as missing. */
export function requiredString(parent: JsonObject, key: string, path: string): string {
  const value = optionalString(parent, key, path);
  if (value === undefined || value.trim() === "") fail(`${childPath(path, key)} is required`);
  return value;
}

/** Each element of a list as a mapping, with its path `list[i]`. */
export function objectsOf(list: JsonValue[], path: string): { item: JsonObject; path: string }[] {
  return list.map((item, index) => {
    const itemPath = `${path}[${index}]`;
    return isObject(item) ? { item, path: itemPath } : wrongType(itemPath, "a mapping", item);
  });
}

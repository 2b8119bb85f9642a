import { childPath, expectObject, fail, type JsonObject, type JsonValue } from "./fields.ts";
import type { PodPolicy } from "./pod-policy.ts";

/** What becomes of a field: sent as given, replaced by stackd, bounded, left out, or a 400. */
export type Verdict = "kept" | "overridden" | "capped" | "dropped" | "refused";

/** What a reader may consult besides the value: the operator's policy and facts of the whole pod. */
export interface WalkContext {
  policy: PodPolicy;
  /** The pod's termination grace period after capping; no hook may sleep longer. */
  gracePeriodSeconds: number;
}

/** Checks one field's value; returns what stackd sends, or undefined to leave the field out. */
export type FieldReader = (value: JsonValue, path: string, context: WalkContext) => JsonValue | undefined;

export interface FieldRule {
  verdict: Verdict;
  /** One line: why stackd treats the field this way (rendered into docs/allowlist.md). */
  reason: string;
  /** Absent for a field that is always refused with the generic message. */
  read?: FieldReader;
  /** When set, the field is refused unless the operator's policy allows it. */
  allowedWhen?: (policy: PodPolicy) => boolean;
}

/** The fields of one kind of object that stackd lets through; any other key is refused. */
export type Allowlist = Readonly<Record<string, FieldRule>>;

/** One kind of object for docs/allowlist.md: where it appears and its allowlist (`except`: list only what differs from it). */
export interface AllowlistKind {
  path: string;
  fields: Allowlist;
  except?: Allowlist;
}

/** Sent to the API server after `read` has checked (and possibly rebuilt) it. */
export function kept(reason: string, read: FieldReader): FieldRule {
  return { verdict: "kept", reason, read };
}

/** Accepted from the author (type-checked by `read`), then replaced or removed by stackd. */
export function overridden(reason: string, read: FieldReader): FieldRule {
  return { verdict: "overridden", reason, read };
}

/** Kept up to a bound from the PodPolicy; `read` clamps, refuses or fills in the bound. */
export function capped(reason: string, read: FieldReader): FieldRule {
  return { verdict: "capped", reason, read };
}

/** Accepted and silently left out, as Kubernetes or stackd sets it itself. */
export function dropped(reason: string): FieldRule {
  return { verdict: "dropped", reason, read: () => undefined };
}

/** A 400; `read` may accept harmless values (such as `false`) or give a more precise message. */
export function refused(reason: string, read?: FieldReader): FieldRule {
  return read === undefined ? { verdict: "refused", reason } : { verdict: "refused", reason, read };
}

/** The same rule, refused unless the policy allows it. */
export function onlyWhen(allowed: (policy: PodPolicy) => boolean, rule: FieldRule): FieldRule {
  return { ...rule, allowedWhen: allowed };
}

/** The generic refusal: `<path>: <field> is not allowed`. */
export function notAllowed(path: string, key: string): never {
  if (path === "") fail(`${key} is not allowed`);
  return fail(`${path}: ${key} is not allowed`);
}

function ruleFor(allowlist: Allowlist, key: string): FieldRule | undefined {
  return Object.hasOwn(allowlist, key) ? allowlist[key] : undefined;
}

/** Walks one object: every key must be in the allowlist; returns what its readers keep. */
export function readAllowed(
  object: JsonObject,
  allowlist: Allowlist,
  path: string,
  context: WalkContext,
): JsonObject {
  const result: JsonObject = {};
  for (const [key, value] of Object.entries(object)) {
    const rule = ruleFor(allowlist, key);
    if (rule?.read === undefined) return notAllowed(path, key);
    if (rule.allowedWhen && !rule.allowedWhen(context.policy)) return notAllowed(path, key);
    const read = rule.read(value, childPath(path, key), context);
    if (read !== undefined) result[key] = read;
  }
  return result;
}

/** A reader for a nested object of the given kind. */
export function objectOf(allowlist: Allowlist): FieldReader {
  return (value, path, context) => readAllowed(expectObject(value, path), allowlist, path, context);
}

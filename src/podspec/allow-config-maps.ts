import { type Allowlist, type FieldReader, type FieldRule, kept, onlyWhen, refused } from "./allowlist.ts";
import { anyBoolean, anyString } from "./readers.ts";

/**
 * A field that reads a ConfigMap: kept only when PodPolicy.allowConfigMaps, since any ConfigMap of the
 * namespace, another tenant's included, is readable to a pod that may name one.
 */
export function configMapSource(read: FieldReader): FieldRule {
  return onlyWhen(
    (policy) => policy.allowConfigMaps,
    kept("only when PodPolicy.allowConfigMaps: any ConfigMap of the namespace is readable", read),
  );
}

/** A field that reads a Secret of the namespace: always refused. */
export const secretSource = refused("reads any Secret of the stacks namespace, other tenants' included");

/** Which ConfigMap, and whether it may be missing: the fields every ConfigMap reference has. */
export const configMapRefFields: Allowlist = {
  name: kept("a ConfigMap of the stacks namespace", anyString),
  optional: kept("whether it may be missing", anyBoolean),
};

import type { V1NetworkPolicy, V1NetworkPolicyList } from "@kubernetes/client-node";
import { isAlreadyExists, isConflict, isNotFound, toKubeApiError } from "./errors.ts";
import type { KubeTransport } from "./transport.ts";

/** The collection URL of NetworkPolicies in a namespace. */
export const networkPoliciesPath = (namespace: string) =>
  `/apis/networking.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/networkpolicies`;

const policyPath = (namespace: string, name: string) =>
  `${networkPoliciesPath(namespace)}/${encodeURIComponent(name)}`;

/** A JSON value with keys sorted and empty arrays and undefined dropped (the API server omits them). */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value === null || typeof value !== "object") return value;
  const entries = Object.entries(value)
    .filter(([, item]) => item !== undefined && !(Array.isArray(item) && item.length === 0))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, item]) => [key, canonical(item)]);
  return Object.fromEntries(entries);
}

/** True when `current` has `desired`'s spec and carries all of its labels (extra labels are allowed). */
export function matchesDesired(desired: V1NetworkPolicy, current: V1NetworkPolicy): boolean {
  const labels = current.metadata?.labels ?? {};
  const labelsMatch = Object.entries(desired.metadata?.labels ?? {}).every(
    ([key, value]) => labels[key] === value,
  );
  return labelsMatch && JSON.stringify(canonical(desired.spec)) === JSON.stringify(canonical(current.spec));
}

export type ApplyOutcome = "created" | "replaced" | "unchanged";

async function readPolicy(transport: KubeTransport, namespace: string, name: string) {
  try {
    return await transport.send<V1NetworkPolicy>("GET", policyPath(namespace, name));
  } catch (error) {
    const failure = toKubeApiError(error);
    if (isNotFound(failure)) return undefined;
    throw failure;
  }
}

async function writePolicy(
  transport: KubeTransport,
  namespace: string,
  desired: V1NetworkPolicy,
  current: V1NetworkPolicy | undefined,
): Promise<ApplyOutcome> {
  const name = desired.metadata?.name ?? "";
  if (!current) {
    await transport.send("POST", networkPoliciesPath(namespace), { body: desired });
    return "created";
  }
  if (matchesDesired(desired, current)) return "unchanged";
  const metadata = {
    ...desired.metadata,
    labels: { ...current.metadata?.labels, ...desired.metadata?.labels },
    ...(current.metadata?.annotations ? { annotations: current.metadata.annotations } : {}),
    resourceVersion: current.metadata?.resourceVersion,
  };
  await transport.send("PUT", policyPath(namespace, name), { body: { ...desired, metadata } });
  return "replaced";
}

/**
 * Level-based apply of one NetworkPolicy: creates it when missing, replaces it when its spec or
 * labels differ, and does nothing otherwise. `current` (from a list) saves the read. A concurrent
 * writer (AlreadyExists, Conflict) costs one fresh read and one more try.
 */
export async function applyNetworkPolicy(
  transport: KubeTransport,
  namespace: string,
  desired: V1NetworkPolicy,
  current?: V1NetworkPolicy | null,
): Promise<ApplyOutcome> {
  const name = desired.metadata?.name ?? "";
  const known = current === undefined ? await readPolicy(transport, namespace, name) : (current ?? undefined);
  try {
    return await writePolicy(transport, namespace, desired, known);
  } catch (error) {
    const failure = toKubeApiError(error);
    if (!isAlreadyExists(failure) && !isConflict(failure)) throw failure;
    return writePolicy(transport, namespace, desired, await readPolicy(transport, namespace, name));
  }
}

/** Deletes one NetworkPolicy; NotFound counts as done. */
export async function deleteNetworkPolicy(
  transport: KubeTransport,
  namespace: string,
  name: string,
): Promise<void> {
  try {
    await transport.send("DELETE", policyPath(namespace, name));
  } catch (error) {
    const failure = toKubeApiError(error);
    if (!isNotFound(failure)) throw failure;
  }
}

/** The NetworkPolicies of a namespace matching a label selector. */
export async function listNetworkPolicies(
  transport: KubeTransport,
  namespace: string,
  labelSelector?: string,
): Promise<V1NetworkPolicy[]> {
  const list = await transport.send<V1NetworkPolicyList>("GET", networkPoliciesPath(namespace), {
    query: { labelSelector },
  });
  return list.items;
}

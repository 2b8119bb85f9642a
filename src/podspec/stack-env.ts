import { AppError } from "../errors/app-error.ts";
import { refusedControlCharacter } from "./control-characters.ts";
import { isObject, type JsonObject, type JsonValue, quote } from "./fields.ts";
import type { V1PodLike } from "./sanitize-pod-spec.ts";

/** The most per-stack variables one create may set. */
export const maxStackEnv = 32;

/** The most bytes of names and values together: they travel in the Pod, which etcd caps. */
export const maxStackEnvBytes = 32 * 1024;

/** The Pod annotation naming the variables stackd injected (names only: the values stay in the containers' env). */
export const stackEnvAnnotation = "stackd.io/env";

/** Names the platform may not set: what Kubernetes and stackd put into containers. */
const reservedPrefixes = ["KUBERNETES_", "STACKD_"];

const envNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

const invalidEnv = (reason: string) => new AppError("INVALID_ENV", `invalid env: ${reason}`);

function containersOf(pod: V1PodLike): JsonObject[] {
  const spec = pod.spec;
  return [spec.initContainers, spec.containers].flatMap((list) =>
    Array.isArray(list) ? list.filter((item): item is JsonObject => isObject(item)) : [],
  );
}

/** The variables the pod spec already sets, with the container that sets each. */
function specEnvNames(pod: V1PodLike): Map<string, string> {
  const names = new Map<string, string>();
  for (const container of containersOf(pod)) {
    for (const variable of (container.env ?? []) as JsonValue[]) {
      const name = isObject(variable) ? variable.name : undefined;
      if (typeof name === "string" && !names.has(name)) names.set(name, String(container.name));
    }
  }
  return names;
}

/**
 * The `env` of a create request: at most 32 variables, C-identifier names, none of Kubernetes' or
 * stackd's and none the pod spec sets itself (the author's variables, which the allowlist checked,
 * are never overridden), no control character in a value but tab and newline. Values are never quoted
 * in a refusal.
 */
export function checkStackEnv(env: Record<string, string>, pod: V1PodLike): Record<string, string> {
  const entries = Object.entries(env);
  if (entries.length > maxStackEnv)
    throw invalidEnv(`at most ${maxStackEnv} variables, got ${entries.length}`);
  const taken = specEnvNames(pod);
  let bytes = 0;
  for (const [name, value] of entries) {
    if (!envNamePattern.test(name))
      throw invalidEnv(
        `${quote(name)} is not a variable name (letters, digits and '_', not starting with a digit)`,
      );
    if (reservedPrefixes.some((prefix) => name.startsWith(prefix)))
      throw invalidEnv(`${name} is reserved (names starting with ${reservedPrefixes.join(" or ")})`);
    const control = refusedControlCharacter(value);
    if (control)
      throw invalidEnv(
        `${name}: control characters other than tab and newline are not allowed, got ${control}`,
      );
    const container = taken.get(name);
    if (container !== undefined)
      throw invalidEnv(`${name} is already set by the pod spec (container ${quote(container)})`);
    bytes += Buffer.byteLength(name) + Buffer.byteLength(value);
  }
  if (bytes > maxStackEnvBytes)
    throw invalidEnv(`names and values take ${bytes} bytes, at most ${maxStackEnvBytes}`);
  return env;
}

/**
 * The Pod to create with the per-stack variables added to every container and init container, and their
 * names in the `stackd.io/env` annotation. The sanitised pod (and so `pod_spec`) is left as it was.
 */
export function withStackEnv(pod: V1PodLike, env: Record<string, string>): V1PodLike {
  const names = Object.keys(env);
  if (names.length === 0) return pod;
  const variables = names.map((name) => ({ name, value: env[name] as string }));
  const addTo = (list: JsonValue | undefined) =>
    Array.isArray(list)
      ? list.map((container) =>
          isObject(container)
            ? { ...container, env: [...((container.env ?? []) as JsonValue[]), ...variables] }
            : container,
        )
      : list;
  const annotations = isObject(pod.metadata.annotations) ? pod.metadata.annotations : {};
  const spec: JsonObject = { ...pod.spec, containers: addTo(pod.spec.containers) as JsonValue };
  if (pod.spec.initContainers !== undefined)
    spec.initContainers = addTo(pod.spec.initContainers) as JsonValue;
  return {
    ...pod,
    metadata: {
      ...pod.metadata,
      annotations: { ...annotations, [stackEnvAnnotation]: JSON.stringify(names) },
    },
    spec,
  };
}

interface PodWithEnv {
  metadata?: { annotations?: Record<string, string> };
  spec?: { containers?: Array<{ env?: Array<{ name: string; value?: string }> }> };
}

/** The per-stack variables a stack's Pod carries (read back from its first container), or null when it has none. */
export function stackEnvOf(pod: PodWithEnv): Record<string, string> | null {
  const listed = pod.metadata?.annotations?.[stackEnvAnnotation];
  if (listed === undefined) return null;
  let names: unknown;
  try {
    names = JSON.parse(listed);
  } catch {
    return null;
  }
  if (!Array.isArray(names)) return null;
  const variables = pod.spec?.containers?.[0]?.env ?? [];
  const env: Record<string, string> = {};
  for (const name of names) {
    if (typeof name !== "string") continue;
    // The last definition wins in a container, and stackd's come after the author's.
    const variable = variables.findLast((candidate) => candidate.name === name);
    if (variable) env[name] = variable.value ?? "";
  }
  return env;
}

import { isNotFound, type KubeApiError, toKubeApiError } from "../kube/errors.ts";
import type { KubeTransport } from "../kube/transport.ts";

export const runtimeClassVariable = "STACK_RUNTIME_CLASS";

/** The RuntimeClass's URL (cluster-scoped, node.k8s.io/v1). */
export const runtimeClassPath = (name: string) =>
  `/apis/node.k8s.io/v1/runtimeclasses/${encodeURIComponent(name)}`;

/**
 * STACK_RUNTIME_CLASS names a RuntimeClass that does not exist, or that stackd may not read: every stack
 * Pod would be refused by the API server, so stackd does not start. Exit code 2, like a ConfigError.
 */
export class RuntimeClassMissingError extends Error {
  override readonly name = "RuntimeClassMissingError";
  readonly code = "RUNTIME_CLASS_MISSING";
  readonly variable = runtimeClassVariable;
  readonly runtimeClass: string;

  constructor(runtimeClass: string, problem: string, cause: KubeApiError) {
    super(`${runtimeClassVariable}=${runtimeClass}, but ${problem}, so stackd will not start`, { cause });
    this.runtimeClass = runtimeClass;
  }
}

/**
 * STACK_RUNTIME_CLASS's start check: reads the RuntimeClass, and refuses to start when it is missing or
 * cannot be read (403). Nothing is checked when the variable is unset; a network failure is rethrown.
 */
export async function checkRuntimeClass(transport: KubeTransport, name: string | null): Promise<void> {
  if (name === null) return;
  try {
    await transport.send("GET", runtimeClassPath(name));
  } catch (error) {
    const failure = toKubeApiError(error);
    if (isNotFound(failure))
      throw new RuntimeClassMissingError(
        name,
        `RuntimeClass "${name}" does not exist (create it with its handler, e.g. runsc for gVisor or kata for Kata Containers, or unset the variable)`,
        failure,
      );
    if (failure.status === 403)
      throw new RuntimeClassMissingError(
        name,
        `stackd may not read RuntimeClass "${name}" (grant get on runtimeclasses, as deploy/rbac.yaml's ClusterRole does)`,
        failure,
      );
    throw failure;
  }
}

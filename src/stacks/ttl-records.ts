import { AppError, internalError } from "../errors/app-error.ts";
import type { KubeClient } from "../kube/client.ts";
import { isNotFound, isTransient, toKubeApiError } from "../kube/errors.ts";
import { expiryPatchOf } from "./record-codec.ts";

/** Where a stack's Service is. */
export interface StackServiceRef {
  namespace: string;
  serviceName: string;
}

/**
 * Writes a stack's new expiry onto its Service with one merge patch, before the extension is
 * answered, so that a replica taking over (or stackd after losing its database) arms the same TTL.
 * A Service that is missing (being repaired) or an API server that does not answer is a 503.
 */
export function recordExpiries(kube: KubeClient) {
  return async ({ namespace, serviceName }: StackServiceRef, expiresAt: number): Promise<void> => {
    const body = expiryPatchOf(expiresAt);
    try {
      await kube.transport.send("PATCH", `/api/v1/namespaces/${namespace}/services/${serviceName}`, {
        body,
        contentType: "application/merge-patch+json",
      });
    } catch (error) {
      const failure = toKubeApiError(error);
      if (isNotFound(failure))
        throw new AppError(
          "KUBERNETES_UNAVAILABLE",
          "kubernetes unavailable: the stack's Service is missing",
        );
      if (isTransient(failure))
        throw new AppError("KUBERNETES_UNAVAILABLE", `kubernetes unavailable: ${failure.message}`);
      throw internalError(failure);
    }
  };
}

import type { V1Service } from "@kubernetes/client-node";
import { Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { AppError, internalError } from "../errors/app-error.ts";
import type { KubeClient } from "../kube/client.ts";
import { clientSummary, isNotFound, isTransient, toKubeApiError } from "../kube/errors.ts";
import { ttlAnnotation } from "./stack-resources.ts";

/** The `stackd.io/ttl` annotation: the expiry the last extension set. */
const TtlRecord = Type.Object({ ttl_expires_at: Type.String() });

/** The expiry an extension wrote on the Service, or undefined when it has none (or an unreadable one). */
export function extendedExpiryOf(service: V1Service): string | undefined {
  const text = service.metadata?.annotations?.[ttlAnnotation];
  if (!text) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return Value.Check(TtlRecord, parsed) && !Number.isNaN(Date.parse(parsed.ttl_expires_at))
      ? parsed.ttl_expires_at
      : undefined;
  } catch {
    return undefined;
  }
}

/** The later of the record's expiry and the one an extension wrote (an extension never shortens). */
export function expiryOf(recordExpiry: string, service: V1Service): string {
  const extended = extendedExpiryOf(service);
  return extended !== undefined && Date.parse(extended) > Date.parse(recordExpiry) ? extended : recordExpiry;
}

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
    const record = JSON.stringify({ ttl_expires_at: new Date(expiresAt).toISOString() });
    const body = { metadata: { annotations: { [ttlAnnotation]: record } } };
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
        throw new AppError("KUBERNETES_UNAVAILABLE", `kubernetes unavailable: ${clientSummary(failure)}`, {
          cause: failure,
        });
      throw internalError(failure);
    }
  };
}

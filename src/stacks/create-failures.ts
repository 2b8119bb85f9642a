import type { CreateFailure } from "../../machines/stack.types.ts";
import {
  clientSummary,
  isInvalid,
  isLimitRangeViolation,
  isQuotaExceeded,
  isTransient,
  type KubeApiError,
} from "../kube/errors.ts";

/** stackd's own account lacks a permission: an operator's problem, never the pod author's. */
const isRbacRefusal = (error: KubeApiError) =>
  error.status === 403 && /\bcannot (create|get|delete)\b/.test(error.message);

/**
 * Maps the API server's refusal of a Pod or Service to a CreateFailure: its own verdicts on the user's
 * pod (422 invalid, 400 strict decoding, 403 from admission such as Pod Security or priority) are the
 * author's 400; no answer, 429 and 5xx mean Kubernetes is unavailable.
 */
export function classifyCreateError(error: KubeApiError): CreateFailure {
  if (isLimitRangeViolation(error)) return { code: "limit_range", message: error.message };
  if (isQuotaExceeded(error)) return { code: "quota_exceeded", message: error.message };
  if (isTransient(error)) return { code: "unavailable", message: clientSummary(error) };
  if (isRbacRefusal(error)) return { code: "internal", message: error.message };
  if (isInvalid(error) || error.status === 400 || error.status === 403)
    return { code: "invalid", message: error.message };
  return { code: "internal", message: error.message };
}

/** How many nodePorts one create tries before giving up (each 422 "already allocated" costs one). */
export const maxPortAttempts = 10;

/**
 * Which of the Service's ports a 422 "provided port is already allocated" names (by index into
 * spec.ports); every port when the answer names none that can be read.
 */
export function takenPortIndexes(error: KubeApiError, count: number): number[] {
  const named = new Set<number>();
  const fields = [
    ...(error.details?.causes ?? [])
      .filter((cause) => /already allocated/i.test(cause.message ?? ""))
      .map((cause) => cause.field ?? ""),
    ...error.message.matchAll(
      /(spec\.ports\[\d+\]\.nodePort): Invalid value: \d+: provided port is already allocated/gi,
    ),
  ];
  for (const field of fields) {
    const text = typeof field === "string" ? field : (field[1] ?? "");
    const index = /^spec\.ports\[(\d+)\]\.nodePort$/.exec(text)?.[1];
    if (index !== undefined && Number(index) < count) named.add(Number(index));
  }
  return named.size > 0
    ? [...named].sort((a, b) => a - b)
    : Array.from({ length: count }, (_, index) => index);
}

import type { JsonObject } from "./fields.ts";
import type { PodSecurityMode } from "./pod-policy.ts";

const runtimeDefault = { type: "RuntimeDefault" };

/** The pod's securityContext: seccomp RuntimeDefault, and runAsNonRoot in restricted mode. */
export function podSecurityContext(mode: PodSecurityMode): JsonObject {
  return mode === "restricted"
    ? { runAsNonRoot: true, seccompProfile: { ...runtimeDefault } }
    : { seccompProfile: { ...runtimeDefault } };
}

/**
 * A container's securityContext. Baseline: not privileged, no privilege escalation, seccomp RuntimeDefault
 * (readOnlyRootFilesystem only when the author asks for it). Restricted adds runAsNonRoot and drops all
 * capabilities, and makes the root filesystem read-only unless the author sets readOnlyRootFilesystem: false.
 */
export function containerSecurityContext(
  mode: PodSecurityMode,
  readOnlyRootFilesystem: boolean | undefined,
): JsonObject {
  const context: JsonObject = {
    allowPrivilegeEscalation: false,
    privileged: false,
    seccompProfile: { ...runtimeDefault },
  };
  if (mode === "restricted") {
    context.runAsNonRoot = true;
    context.capabilities = { drop: ["ALL"] };
    context.readOnlyRootFilesystem = readOnlyRootFilesystem ?? true;
  } else if (readOnlyRootFilesystem === true) {
    context.readOnlyRootFilesystem = true;
  }
  return context;
}

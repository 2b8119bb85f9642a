import { type Static, Type } from "@sinclair/typebox";
import { boolean, duration, type Env, integer, list, oneOf, quantityBytes } from "./env-readers.ts";

/** The operator's policy for the pod specs stackd accepts (STACK_POD_SECURITY and the STACK_* caps; docs/pod-spec.md). */
export const PodPolicyConfigSchema = Type.Object({
  podSecurity: Type.Union([Type.Literal("baseline"), Type.Literal("restricted")]),
  annotationPrefixes: Type.Array(Type.String({ minLength: 1 })),
  allowConfigMaps: Type.Boolean(),
  allowedPullSecrets: Type.Array(Type.String({ minLength: 1 })),
  maxEmptyDirBytes: Type.Integer({ minimum: 1 }),
  maxMemoryEmptyDirBytes: Type.Integer({ minimum: 1 }),
  maxTerminationGracePeriodSeconds: Type.Integer({ minimum: 0 }),
  maxAnnotationBytes: Type.Integer({ minimum: 0 }),
  maxLabels: Type.Integer({ minimum: 0 }),
  maxContainers: Type.Integer({ minimum: 1 }),
  maxInitContainers: Type.Integer({ minimum: 0 }),
  maxVolumes: Type.Integer({ minimum: 0 }),
  maxEnvPerContainer: Type.Integer({ minimum: 0 }),
  maxCommandBytes: Type.Integer({ minimum: 0 }),
  maxYamlBytes: Type.Integer({ minimum: 1024 }),
  maxAliasCount: Type.Integer({ minimum: 0 }),
});

export type PodPolicyConfig = Static<typeof PodPolicyConfigSchema>;

/** Reads the pod policy's settings, each with its default and range. */
export function podPolicyConfig(env: Env): PodPolicyConfig {
  return {
    podSecurity: oneOf(env, "STACK_POD_SECURITY", ["baseline", "restricted"] as const, "baseline"),
    annotationPrefixes: list(env, "STACK_ANNOTATION_PREFIXES"),
    allowConfigMaps: boolean(env, "STACK_ALLOW_CONFIG_MAPS", false),
    allowedPullSecrets: list(env, "STACK_ALLOWED_PULL_SECRETS"),
    maxEmptyDirBytes: quantityBytes(env, "STACK_EMPTYDIR_MAX", "1Gi"),
    maxMemoryEmptyDirBytes: quantityBytes(env, "STACK_EMPTYDIR_MEMORY_MAX", "256Mi"),
    maxTerminationGracePeriodSeconds: Math.round(
      duration(env, "STACK_TERMINATION_GRACE_MAX", "5s", { allowZero: true }) / 1000,
    ),
    maxAnnotationBytes: integer(env, "STACK_ANNOTATION_MAX_BYTES", 4096, 0, 262_144),
    maxLabels: integer(env, "STACK_MAX_LABELS", 32, 0, 1000),
    maxContainers: integer(env, "STACK_MAX_CONTAINERS", 10, 1, 1000),
    maxInitContainers: integer(env, "STACK_MAX_INIT_CONTAINERS", 10, 0, 1000),
    maxVolumes: integer(env, "STACK_MAX_VOLUMES", 20, 0, 1000),
    maxEnvPerContainer: integer(env, "STACK_MAX_ENV", 100, 0, 10_000),
    maxCommandBytes: integer(env, "STACK_MAX_COMMAND_BYTES", 32_768, 0, 1_048_576),
    maxYamlBytes: integer(env, "STACK_POD_SPEC_MAX_BYTES", 262_144, 1024, 16_777_216),
    maxAliasCount: integer(env, "STACK_POD_SPEC_MAX_ALIASES", 100, 0, 100_000),
  };
}

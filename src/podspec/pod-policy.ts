import { defaultPodSpecLimits, type PodSpecLimits } from "./yaml-input.ts";

/**
 * "baseline": stackd's forced fields, which the Pod Security baseline profile admits. "restricted": also
 * runAsNonRoot, all capabilities dropped and a read-only root filesystem, which the restricted profile admits.
 */
export type PodSecurityMode = "baseline" | "restricted";

export const podSecurityModes: readonly PodSecurityMode[] = ["baseline", "restricted"];

/** What stackd accepts in a pod spec beyond its fixed allowlist: the bounds and the few things an operator may widen. */
export interface PodPolicy extends PodSpecLimits {
  podSecurity: PodSecurityMode;
  /** Annotation key prefixes authors may use, such as "ctf.example.com/"; none by default. */
  annotationPrefixes: readonly string[];
  /** Bytes of all annotation keys and values together. */
  maxAnnotationBytes: number;
  maxLabels: number;
  /** configMap volumes and projections, configMapKeyRef and envFrom configMapRef: any ConfigMap of the namespace. */
  allowConfigMaps: boolean;
  /** Secrets of the namespace that `imagePullSecrets` may name; none by default. */
  allowedPullSecrets: readonly string[];
  maxContainers: number;
  maxInitContainers: number;
  maxVolumes: number;
  maxEnvPerContainer: number;
  /** Bytes of a container's command and args together. */
  maxCommandBytes: number;
  /** The largest sizeLimit of a disk-backed emptyDir, and the sizeLimit given to one that sets none. */
  maxEmptyDirBytes: number;
  /** The largest sizeLimit of a memory-backed emptyDir (which must set one). */
  maxMemoryEmptyDirBytes: number;
  /** The longest terminationGracePeriodSeconds (given to a pod that sets none) and preStop sleep. */
  maxTerminationGracePeriodSeconds: number;
  /** The longest activeDeadlineSeconds: a stack's TTL, beyond which a deadline means nothing. */
  maxActiveDeadlineSeconds: number;
}

const mebibyte = 1024 * 1024;

export const defaultPodPolicy: PodPolicy = {
  ...defaultPodSpecLimits,
  podSecurity: "baseline",
  annotationPrefixes: [],
  maxAnnotationBytes: 4096,
  maxLabels: 32,
  allowConfigMaps: false,
  allowedPullSecrets: [],
  maxContainers: 10,
  maxInitContainers: 10,
  maxVolumes: 20,
  maxEnvPerContainer: 100,
  maxCommandBytes: 32 * 1024,
  maxEmptyDirBytes: 1024 * mebibyte,
  maxMemoryEmptyDirBytes: 256 * mebibyte,
  maxTerminationGracePeriodSeconds: 5,
  maxActiveDeadlineSeconds: 2 * 60 * 60,
};

import { stringify } from "yaml";
import { InvalidPodSpecError } from "../../../src/podspec/errors.ts";
import {
  defaultPodPolicy,
  type ExposeRequest,
  type JsonObject,
  type PodPolicy,
  type SanitizedPodSpec,
  sanitizePodSpec,
} from "../../../src/podspec/sanitize-pod-spec.ts";

/** The Create Stack request body's pod_spec from the API contract. */
export const contractPodSpec =
  'apiVersion: v1\nkind: Pod\nmetadata:\n  name: challenge\nspec:\n  containers:\n    - name: app\n      image: nginx:stable\n      ports:\n        - containerPort: 80\n          protocol: TCP\n      resources:\n        requests:\n          cpu: "100m"\n          memory: "128Mi"\n        limits:\n          cpu: "100m"\n          memory: "128Mi"';

/** The Create Stack response's pod_spec from the API contract. */
export const contractSanitizedYaml =
  "apiVersion: v1\nkind: Pod\nmetadata:\n  name: challenge\nspec:\n  automountServiceAccountToken: false\n  containers:\n  - image: nginx:stable\n    name: app\n    ports:\n    - containerPort: 80\n      protocol: TCP\n    resources:\n      limits:\n        cpu: 100m\n        memory: 128Mi\n      requests:\n        cpu: 100m\n        memory: 128Mi\n    securityContext:\n      allowPrivilegeEscalation: false\n      privileged: false\n      seccompProfile:\n        type: RuntimeDefault\n  enableServiceLinks: false\n  restartPolicy: Never\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\nstatus: {}\n";

/** A valid container; fields set to undefined are left out of the YAML. */
export function container(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: "app",
    image: "nginx:stable",
    ports: [{ containerPort: 80 }],
    resources: { requests: { cpu: "100m", memory: "128Mi" } },
    ...overrides,
  };
}

/** A container with resources and no ports, for init containers and sidecars. */
export function helper(name: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return container({ name, image: "busybox:1.36", ports: undefined, ...overrides });
}

export interface PodOptions {
  spec?: Record<string, unknown>;
  containers?: unknown;
  top?: Record<string, unknown>;
}

/** A pod spec's YAML: one valid container exposing port 80, with the given changes. */
export function podYaml({ spec = {}, containers = [container()], top = {} }: PodOptions = {}): string {
  return stringify({
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "challenge" },
    spec: { containers, ...spec },
    ...top,
  });
}

/** The InvalidPodSpecError the spec is rejected with. */
export function rejectionOf(
  yaml: string,
  targetPort: ExposeRequest = 80,
  policy: Partial<PodPolicy> = {},
): InvalidPodSpecError {
  try {
    sanitizePodSpec(yaml, targetPort, { ...defaultPodPolicy, ...policy });
  } catch (error) {
    if (error instanceof InvalidPodSpecError) return error;
    throw error;
  }
  throw new Error("expected the pod spec to be rejected");
}

export function containersOf(result: SanitizedPodSpec, key = "containers"): JsonObject[] {
  return result.pod.spec[key] as JsonObject[];
}

/** The sanitised resources of the first container. */
export function resourcesOf(result: SanitizedPodSpec): JsonObject {
  return containersOf(result)[0]?.resources as JsonObject;
}

/** The billion-laughs document: few aliases, each expanding the previous level ninefold. */
export const aliasBomb = [
  'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
  "b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]",
  "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]",
  "d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]",
  "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]",
].join("\n");

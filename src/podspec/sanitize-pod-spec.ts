import { type ExposedPort, sanitiseContainers } from "./containers.ts";
import { InvalidTargetPortError } from "./errors.ts";
import { fail, type JsonObject, optionalObject } from "./fields.ts";
import { checkKind, checkPodLevel, readMetadata } from "./pod-rules.ts";
import { toGoStyleYaml } from "./pod-yaml.ts";
import { defaultPodSpecLimits, type PodSpecLimits, readPodYaml } from "./yaml-input.ts";

export type { ExposedPort } from "./containers.ts";
export type { JsonObject, JsonValue } from "./fields.ts";
export { defaultPodSpecLimits, type PodSpecLimits } from "./yaml-input.ts";

/** A Pod as plain data, shaped like client-node's V1Pod. */
export interface V1PodLike {
  apiVersion: "v1";
  kind: "Pod";
  metadata: JsonObject;
  spec: JsonObject;
  status: Record<string, never>;
}

export interface SanitizedPodSpec {
  pod: V1PodLike;
  /** What the API returns as `pod_spec`. */
  yaml: string;
  requestedCpuMilli: number;
  requestedMemoryBytes: number;
  exposedPort: ExposedPort;
}

function checkTargetPort(targetPort: number): void {
  if (!Number.isInteger(targetPort) || targetPort < 1 || targetPort > 65535) {
    throw new InvalidTargetPortError();
  }
}

function exposedPortFor(ports: readonly ExposedPort[], targetPort: number): ExposedPort {
  const [port] = ports;
  if (port === undefined || ports.length > 1) {
    fail(`exactly one containerPort must be declared across all containers, found ${ports.length}`);
  }
  if (port.containerPort !== targetPort) {
    fail(
      `target_port ${targetPort} does not match the containerPort ${port.containerPort} of container "${port.containerName}"`,
    );
  }
  return port;
}

/**
 * Validates a user's pod YAML against stackd's rules and returns the sanitised Pod, its YAML and what it reserves.
 * Throws InvalidTargetPortError or InvalidPodSpecError with a precise reason.
 */
export function sanitizePodSpec(
  podSpecYaml: string,
  targetPort: number,
  limits: PodSpecLimits = defaultPodSpecLimits,
): SanitizedPodSpec {
  checkTargetPort(targetPort);
  const document = readPodYaml(podSpecYaml, limits);
  checkKind(document);
  const metadata = readMetadata(document);
  const spec = optionalObject(document, "spec", "") ?? fail("spec is required");
  checkPodLevel(spec);
  const { containers, initContainers, requested, ports } = sanitiseContainers(spec);
  const exposedPort = exposedPortFor(ports, targetPort);
  if (!Number.isSafeInteger(requested.cpuMilli) || !Number.isSafeInteger(requested.memoryBytes)) {
    fail("the pod requests more cpu or memory than can be counted");
  }
  const sanitisedSpec: JsonObject = {
    ...spec,
    containers,
    ...(initContainers === undefined ? {} : { initContainers }),
    restartPolicy: "Never",
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: { seccompProfile: { type: "RuntimeDefault" } },
  };
  const pod: V1PodLike = { apiVersion: "v1", kind: "Pod", metadata, spec: sanitisedSpec, status: {} };
  return {
    pod,
    yaml: toGoStyleYaml(pod),
    requestedCpuMilli: requested.cpuMilli,
    requestedMemoryBytes: requested.memoryBytes,
    exposedPort,
  };
}

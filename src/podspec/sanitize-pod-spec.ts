import { checkKind, documentFields, gracePeriodOf } from "./allow-pod-spec.ts";
import { readAllowed, type WalkContext } from "./allowlist.ts";
import { type ExposedPort, sanitiseContainers } from "./containers.ts";
import { InvalidTargetPortError } from "./errors.ts";
import { fail, isObject, type JsonObject } from "./fields.ts";
import { defaultPodPolicy, type PodPolicy } from "./pod-policy.ts";
import { podSecurityContext } from "./pod-security.ts";
import { toGoStyleYaml } from "./pod-yaml.ts";
import { readPodYaml } from "./yaml-input.ts";

export type { ExposedPort } from "./containers.ts";
export type { JsonObject, JsonValue } from "./fields.ts";
export { defaultPodPolicy, type PodPolicy, type PodSecurityMode } from "./pod-policy.ts";
export { defaultPodSpecLimits, type PodSpecLimits } from "./yaml-input.ts";

/** A Pod as plain data, shaped like client-node's V1Pod. */
export interface V1PodLike {
  apiVersion: "v1";
  kind: "Pod";
  metadata: JsonObject;
  spec: JsonObject;
  status: Record<string, never>;
}

/** One entry of the v1.2 array form of `target_port`. */
export interface PortRequest {
  containerPort: number;
  protocol: "TCP" | "UDP";
}

/** What a create exposes: v1.1's one integer `target_port`, or v1.2's list of ports. */
export type ExposeRequest = number | readonly PortRequest[];

/** The most ports one stack may expose (each takes a NodePort). */
export const maxExposedPorts = 24;

export interface SanitizedPodSpec {
  pod: V1PodLike;
  /** What the API returns as `pod_spec`. */
  yaml: string;
  requestedCpuMilli: number;
  requestedMemoryBytes: number;
  /** The first exposed port (v1.1's only one). */
  exposedPort: ExposedPort;
  /** Every exposed port, in request order. */
  exposedPorts: ExposedPort[];
}

/** The spec when it is a mapping, to read the grace period before the walk (which refuses anything else). */
function specOf(document: JsonObject): JsonObject | undefined {
  return isObject(document.spec) ? document.spec : undefined;
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

/** The array form: 1 to 24 ports, each a port number, none listed twice (TCP and UDP of one number are two). */
function checkPortList(requested: readonly PortRequest[]): void {
  if (requested.length < 1 || requested.length > maxExposedPorts) {
    throw new InvalidTargetPortError(`must list 1 to ${maxExposedPorts} ports, got ${requested.length}`);
  }
  const seen = new Set<string>();
  requested.forEach((port, index) => {
    const { containerPort, protocol } = port;
    if (!Number.isInteger(containerPort) || containerPort < 1 || containerPort > 65535) {
      throw new InvalidTargetPortError(`target_port[${index}].container_port must be between 1 and 65535`);
    }
    const key = `${containerPort}/${protocol}`;
    if (seen.has(key))
      throw new InvalidTargetPortError(`target_port[${index}] repeats ${protocol} port ${containerPort}`);
    seen.add(key);
  });
}

/** The array form: any subset of the declared ports, each matched by number and protocol. */
function exposedPortsFor(declared: readonly ExposedPort[], requested: readonly PortRequest[]): ExposedPort[] {
  return requested.map((port, index) => {
    const match = declared.find(
      (candidate) => candidate.containerPort === port.containerPort && candidate.protocol === port.protocol,
    );
    if (match === undefined) {
      fail(
        `target_port[${index}]: no container declares ${port.protocol} containerPort ${port.containerPort}`,
      );
    }
    return match;
  });
}

/**
 * Validates a user's pod YAML against stackd's allowlist and the operator's policy, and returns the sanitised
 * Pod, its YAML and what it reserves. Throws InvalidTargetPortError or InvalidPodSpecError with a precise reason.
 */
export function sanitizePodSpec(
  podSpecYaml: string,
  expose: ExposeRequest,
  policy: PodPolicy = defaultPodPolicy,
): SanitizedPodSpec {
  if (typeof expose === "number") checkTargetPort(expose);
  else checkPortList(expose);
  const document = readPodYaml(podSpecYaml, policy);
  checkKind(document);
  const context: WalkContext = { policy, gracePeriodSeconds: gracePeriodOf(specOf(document), policy) };
  const read = readAllowed(document, documentFields, "", context);
  const metadata = (read.metadata ?? {}) as JsonObject;
  const spec = (read.spec as JsonObject | undefined) ?? fail("spec is required");
  const { containers, initContainers, requested, ports } = sanitiseContainers(spec, policy.podSecurity);
  const exposedPorts =
    typeof expose === "number" ? [exposedPortFor(ports, expose)] : exposedPortsFor(ports, expose);
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
    securityContext: podSecurityContext(policy.podSecurity),
    terminationGracePeriodSeconds: context.gracePeriodSeconds,
  };
  const pod: V1PodLike = { apiVersion: "v1", kind: "Pod", metadata, spec: sanitisedSpec, status: {} };
  return {
    pod,
    yaml: toGoStyleYaml(pod),
    requestedCpuMilli: requested.cpuMilli,
    requestedMemoryBytes: requested.memoryBytes,
    exposedPort: exposedPorts[0] as ExposedPort,
    exposedPorts,
  };
}

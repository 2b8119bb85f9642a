import { normaliseResources, podRequest, type ResourceAmount } from "./container-resources.ts";
import {
  fail,
  type JsonObject,
  objectsOf,
  optionalList,
  optionalString,
  quote,
  requiredString,
} from "./fields.ts";

/** The one port a stack exposes through its Service. */
export interface ExposedPort {
  containerPort: number;
  protocol: "TCP" | "UDP";
  containerName: string;
}

interface SanitisedContainer {
  name: string;
  container: JsonObject;
  amount: ResourceAmount;
  ports: ExposedPort[];
  sidecar: boolean;
}

export interface SanitisedContainers {
  containers: JsonObject[];
  initContainers: JsonObject[] | undefined;
  requested: ResourceAmount;
  ports: ExposedPort[];
}

function forcedSecurityContext(): JsonObject {
  return { allowPrivilegeEscalation: false, privileged: false, seccompProfile: { type: "RuntimeDefault" } };
}

function sanitisePort(
  port: JsonObject,
  path: string,
  containerName: string,
): { port: JsonObject; exposed: ExposedPort } {
  const containerPort = port.containerPort;
  if (
    typeof containerPort !== "number" ||
    !Number.isInteger(containerPort) ||
    containerPort < 1 ||
    containerPort > 65535
  ) {
    const got = containerPort === undefined ? "nothing" : quote(containerPort);
    fail(`${path}.containerPort must be an integer between 1 and 65535, got ${got}`);
  }
  if (port.hostPort !== undefined && port.hostPort !== 0) fail(`${path}.hostPort must not be set`);
  if (port.hostIP !== undefined && port.hostIP !== "") fail(`${path}.hostIP must not be set`);
  const protocol = port.protocol ?? "TCP";
  if (protocol !== "TCP" && protocol !== "UDP") {
    fail(`${path}.protocol must be TCP or UDP, got ${quote(protocol)}`);
  }
  return { port: { ...port, protocol }, exposed: { containerPort, protocol, containerName } };
}

function sanitiseContainer(container: JsonObject, path: string, isInit: boolean): SanitisedContainer {
  const name = requiredString(container, "name", path);
  requiredString(container, "image", path);
  const label = `${path} (${quote(name)})`;
  if (container.securityContext !== undefined) {
    fail(`${path}.securityContext must not be set; stackd sets it`);
  }
  const ports = optionalList(container, "ports", path);
  if (isInit && ports !== undefined && ports.length > 0) {
    fail(`${label}: init containers must not declare ports`);
  }
  const sanitisedPorts = objectsOf(ports ?? [], `${path}.ports`).map((port) =>
    sanitisePort(port.item, port.path, name),
  );
  const { resources, amount } = normaliseResources(container, path, label);
  const restartPolicy = isInit ? optionalString(container, "restartPolicy", path) : undefined;
  const sanitised: JsonObject = { ...container, resources, securityContext: forcedSecurityContext() };
  if (ports !== undefined) sanitised.ports = sanitisedPorts.map((port) => port.port);
  return {
    name,
    container: sanitised,
    amount,
    ports: sanitisedPorts.map((port) => port.exposed),
    sidecar: restartPolicy === "Always",
  };
}

function checkUniqueNames(containers: readonly SanitisedContainer[]): void {
  const seen = new Set<string>();
  for (const { name } of containers) {
    if (seen.has(name)) fail(`container name ${quote(name)} is used more than once`);
    seen.add(name);
  }
}

/** Validates containers and init containers, forces their security context and normalises their resources. */
export function sanitiseContainers(spec: JsonObject): SanitisedContainers {
  const containerList = optionalList(spec, "containers", "spec");
  if (containerList === undefined || containerList.length === 0) {
    fail("spec.containers must list at least one container");
  }
  const initList = optionalList(spec, "initContainers", "spec");
  const regular = objectsOf(containerList, "spec.containers").map((entry) =>
    sanitiseContainer(entry.item, entry.path, false),
  );
  const init = objectsOf(initList ?? [], "spec.initContainers").map((entry) =>
    sanitiseContainer(entry.item, entry.path, true),
  );
  checkUniqueNames([...init, ...regular]);
  return {
    containers: regular.map((entry) => entry.container),
    initContainers: initList === undefined ? undefined : init.map((entry) => entry.container),
    requested: podRequest(
      regular.map((entry) => entry.amount),
      init.map((entry) => ({ amount: entry.amount, sidecar: entry.sidecar })),
    ),
    ports: regular.flatMap((entry) => entry.ports),
  };
}

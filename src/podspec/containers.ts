import { containerLabel } from "./allow-container.ts";
import { normaliseResources, podRequest, type ResourceAmount } from "./container-resources.ts";
import { fail, type JsonObject, type JsonValue, objectsOf, quote } from "./fields.ts";
import type { PodSecurityMode } from "./pod-policy.ts";
import { containerSecurityContext } from "./pod-security.ts";

/** The one port a stack exposes through its Service. */
export interface ExposedPort {
  containerPort: number;
  protocol: "TCP" | "UDP";
  containerName: string;
  /** The port's name, when it has one. */
  name?: string;
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

/** Its ports with protocol TCP filled in, and what each would expose. */
function exposurePorts(container: JsonObject, path: string, name: string) {
  return objectsOf((container.ports ?? []) as JsonValue[], `${path}.ports`).map(
    ({ item, path: portPath }) => {
      if (item.containerPort === undefined) {
        fail(`${portPath}.containerPort must be an integer between 1 and 65535, got nothing`);
      }
      const port: JsonObject = { ...item, protocol: item.protocol ?? "TCP" };
      const exposed: ExposedPort = {
        containerPort: item.containerPort as number,
        protocol: port.protocol as "TCP" | "UDP",
        containerName: name,
        ...(typeof item.name === "string" ? { name: item.name } : {}),
      };
      return { port, exposed };
    },
  );
}

/** A container the allowlist has read: its resources normalised, its securityContext forced. */
function finishContainer(container: JsonObject, path: string, mode: PodSecurityMode): SanitisedContainer {
  const name = container.name as string;
  const ports = exposurePorts(container, path, name);
  const { resources, amount } = normaliseResources(container, path, containerLabel(path, name));
  const chosen = (container.securityContext as JsonObject | undefined)?.readOnlyRootFilesystem;
  const sanitised: JsonObject = {
    ...container,
    resources,
    securityContext: containerSecurityContext(mode, chosen as boolean | undefined),
  };
  if (container.ports !== undefined) sanitised.ports = ports.map((entry) => entry.port);
  return {
    name,
    container: sanitised,
    amount,
    ports: ports.map((entry) => entry.exposed),
    sidecar: container.restartPolicy === "Always",
  };
}

function checkUniqueNames(containers: readonly SanitisedContainer[]): void {
  const seen = new Set<string>();
  for (const { name } of containers) {
    if (seen.has(name)) fail(`container name ${quote(name)} is used more than once`);
    seen.add(name);
  }
}

/**
 * Finishes the containers and init containers of a spec the allowlist has read: forces their security
 * context, normalises their resources and works out what the pod reserves and exposes.
 */
export function sanitiseContainers(spec: JsonObject, mode: PodSecurityMode): SanitisedContainers {
  const containerList = spec.containers as JsonObject[] | undefined;
  if (containerList === undefined || containerList.length === 0) {
    fail("spec.containers must list at least one container");
  }
  const initList = spec.initContainers as JsonObject[] | undefined;
  const regular = containerList.map((item, index) =>
    finishContainer(item, `spec.containers[${index}]`, mode),
  );
  const init = (initList ?? []).map((item, index) =>
    finishContainer(item, `spec.initContainers[${index}]`, mode),
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

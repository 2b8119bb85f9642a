import { childPath, fail, type JsonObject, optionalObject } from "./fields.ts";
import {
  formatCpu,
  formatMemory,
  parseCpuMilli,
  parseMemoryBytes,
  type QuantityFormat,
  quantityFormat,
} from "./quantity.ts";
import { parsedQuantity } from "./readers.ts";

export interface ResourceAmount {
  cpuMilli: number;
  memoryBytes: number;
}

interface ReadQuantity {
  amount: number;
  format: QuantityFormat;
}

const resourceKinds = {
  cpu: { parse: parseCpuMilli, format: formatCpu },
  memory: { parse: parseMemoryBytes, format: formatMemory },
} as const;

type ResourceName = keyof typeof resourceKinds;

function readQuantity(map: JsonObject, name: ResourceName, path: string): ReadQuantity | undefined {
  const value = map[name];
  if (value === undefined) return undefined;
  const amount = parsedQuantity(value, childPath(path, name), resourceKinds[name].parse);
  return { amount, format: quantityFormat(value as string | number) };
}

/** The larger of request and limit, keeping the format it was written in; a tie goes to the limit. */
function larger(
  request: ReadQuantity | undefined,
  limit: ReadQuantity | undefined,
): ReadQuantity | undefined {
  if (request === undefined) return limit;
  if (limit === undefined) return request;
  return limit.amount >= request.amount ? limit : request;
}

/**
 * Sets request = limit = max(request, limit) for cpu and memory (Guaranteed QoS); other resources are kept.
 * Rejects a container that asks for no cpu or no memory at all.
 */
export function normaliseResources(
  container: JsonObject,
  path: string,
  label: string,
): { resources: JsonObject; amount: ResourceAmount } {
  const resourcesPath = childPath(path, "resources");
  const resources = optionalObject(container, "resources", path) ?? {};
  const requests = optionalObject(resources, "requests", resourcesPath) ?? {};
  const limits = optionalObject(resources, "limits", resourcesPath) ?? {};
  const normalised = { requests: { ...requests }, limits: { ...limits } };
  const amount: ResourceAmount = { cpuMilli: 0, memoryBytes: 0 };
  for (const name of ["cpu", "memory"] as const) {
    const chosen = larger(
      readQuantity(requests, name, `${resourcesPath}.requests`),
      readQuantity(limits, name, `${resourcesPath}.limits`),
    );
    if (chosen === undefined || chosen.amount === 0) {
      fail(`${label} must set a non-zero ${name} request or limit`);
    }
    const text = resourceKinds[name].format(chosen.amount, chosen.format);
    normalised.requests[name] = text;
    normalised.limits[name] = text;
    if (name === "cpu") amount.cpuMilli = chosen.amount;
    else amount.memoryBytes = chosen.amount;
  }
  return { resources: { ...resources, ...normalised }, amount };
}

function podRequestOf(
  key: keyof ResourceAmount,
  containers: readonly ResourceAmount[],
  initContainers: readonly { amount: ResourceAmount; sidecar: boolean }[],
): number {
  let total = containers.reduce((sum, amount) => sum + amount[key], 0);
  let sidecars = 0;
  let initPeak = 0;
  for (const init of initContainers) {
    if (init.sidecar) {
      sidecars += init.amount[key];
      total += init.amount[key];
      initPeak = Math.max(initPeak, sidecars);
    } else {
      initPeak = Math.max(initPeak, sidecars + init.amount[key]);
    }
  }
  return Math.max(total, initPeak);
}

/**
 * What the scheduler reserves for the pod: max(sum of containers, largest init container). Sidecars
 * (init containers with restartPolicy Always) keep running, so they count towards both, as in Kubernetes.
 */
export function podRequest(
  containers: readonly ResourceAmount[],
  initContainers: readonly { amount: ResourceAmount; sidecar: boolean }[],
): ResourceAmount {
  return {
    cpuMilli: podRequestOf("cpuMilli", containers, initContainers),
    memoryBytes: podRequestOf("memoryBytes", containers, initContainers),
  };
}

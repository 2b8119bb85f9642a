import type { V1Service } from "@kubernetes/client-node";
import type { CreateFailure, ProvisionInput } from "../../machines/stack.types.ts";
import { stackService } from "../cluster/stack-resources.ts";
import { isAlreadyExists, isNodePortAllocated, isTransient, toKubeApiError } from "../kube/errors.ts";
import { strictFields } from "../kube/strict-fields.ts";
import type { KubeTransport } from "../kube/transport.ts";
import type { Logger } from "../log/logger.ts";
import type { PortAllocator } from "../ports/port-allocator.ts";
import { classifyCreateError, maxPortAttempts, takenPortIndexes } from "./create-failures.ts";
import type { StackWrites } from "./stack-writes.ts";

/** The base delay between retries of the ports a just-deleted Service still holds. */
const samePortRetryDelayMs = 100;

/** How a write is tried (see stack-writes.ts). */
type Attempts = "once" | "retried";

/** The Service was made (with these NodePorts, and this uid), or these of its ports (indexes) are someone else's, or why not. */
type ServiceAttempt = { nodePorts: number[]; uid: string } | { taken: number[] } | { failure: CreateFailure };

/** The Service was made (with these NodePorts, and this uid), or why not. */
export type ServiceMade = { nodePorts: number[]; uid: string } | { failure: CreateFailure };

/** The NodePorts an existing Service holds for the stack's ports (ours where it has none). */
function nodePortsOfService(service: V1Service, input: ProvisionInput, ours: number[]): number[] {
  const servicePorts = service.spec?.ports ?? [];
  return input.identity.ports.map(
    (port, index) =>
      servicePorts.find(
        (candidate) =>
          candidate.port === port.containerPort && (candidate.protocol ?? "TCP") === port.protocol,
      )?.nodePort ??
      ours[index] ??
      0,
  );
}

export interface ServiceCreationParts {
  transport: KubeTransport;
  writes: Pick<StackWrites, "write">;
  ports: Pick<PortAllocator, "replace" | "learnt">;
  /** STACKD_INSTANCE, which labels the Service. */
  instance: string;
  logger: Logger;
  sleep: (ms: number) => Promise<void>;
}

/**
 * The stack's Service, the commit point of a create: made with the NodePorts leased for it (others
 * leased for any the API server says are taken), or adopted when a crashed attempt left it.
 */
export function serviceCreation({ transport, writes, ports, instance, logger, sleep }: ServiceCreationParts) {
  /** Creates the Service, or adopts the one a crashed attempt left; `taken` names the nodePorts that are someone else's. */
  async function tryCreateService(
    input: ProvisionInput,
    nodePorts: number[],
    attempts: Attempts,
  ): Promise<ServiceAttempt> {
    const { namespace, serviceName } = input.identity;
    try {
      // Raw JSON on the hot path: client-node's model serialiser costs more than building the request.
      const created = await writes.write("create the stack's Service", input.identity.stackId, attempts, () =>
        transport.send<V1Service>("POST", `/api/v1/namespaces/${namespace}/services`, {
          body: stackService(input.identity, nodePorts, instance),
          query: strictFields,
        }),
      );
      return { nodePorts, uid: created.metadata?.uid ?? "" };
    } catch (error) {
      const failure = toKubeApiError(error);
      if (isNodePortAllocated(failure)) return { taken: takenPortIndexes(failure, nodePorts.length) };
      if (isTransient(failure))
        logger.warn("cannot create the stack's Service", { service: serviceName, error: failure });
      if (!isAlreadyExists(failure)) return { failure: classifyCreateError(failure) };
      return adoptExistingService(input, nodePorts);
    }
  }

  /** The Service a crashed attempt left: its NodePorts (a NodePort stack's) and uid. */
  async function adoptExistingService(input: ProvisionInput, nodePorts: number[]): Promise<ServiceAttempt> {
    const { namespace, serviceName } = input.identity;
    const existing = await transport.send<V1Service>(
      "GET",
      `/api/v1/namespaces/${namespace}/services/${serviceName}`,
    );
    return {
      nodePorts: input.identity.exposure ? nodePorts : nodePortsOfService(existing, input, nodePorts),
      uid: existing.metadata?.uid ?? "",
    };
  }

  /** Tries the input's own ports `retries` times, waiting a little longer each time; `taken` if they stay taken. */
  async function retrySamePorts(input: ProvisionInput, retries: number): Promise<ServiceAttempt> {
    for (let retry = 1; retry <= retries; retry += 1) {
      const result = await tryCreateService(input, input.nodePorts, "retried");
      if (!("taken" in result)) return result;
      await sleep(samePortRetryDelayMs * retry);
    }
    return { taken: [] };
  }

  /** Leases another nodePort in place of each taken one; false when the range has none left. */
  function replaceTaken(stackId: string, nodePorts: number[], taken: number[]): boolean {
    for (const index of taken) {
      const nodePort = nodePorts[index] as number;
      logger.info("nodePort taken outside stackd; leasing another", { stackId, nodePort });
      const next = ports.replace(stackId, nodePort);
      if (next === null) return false;
      nodePorts[index] = next;
    }
    return true;
  }

  /**
   * Creates the Service, leasing another nodePort for each port the API server says is taken (the
   * others are kept). `samePortRetries` first retries the same ports (a Service just deleted may still
   * hold them briefly).
   */
  async function createService(input: ProvisionInput, samePortRetries = 0): Promise<ServiceMade> {
    const nodePorts = [...input.nodePorts];
    const early = await retrySamePorts(input, samePortRetries);
    if (!("taken" in early)) return early;
    // A create is answered at once; a repair retries transient failures.
    const attempts: Attempts = samePortRetries > 0 ? "retried" : "once";
    for (let attempt = 1; attempt <= maxPortAttempts; attempt += 1) {
      const result = await tryCreateService(input, nodePorts, attempts);
      if (!("taken" in result)) return result;
      if (attempt === maxPortAttempts) break;
      // Just after a start the cluster's nodePorts may still be on their way (other namespaces' Services
      // can hold a long run of the range): wait for them rather than walk the range one 422 at a time.
      await ports.learnt();
      if (!replaceTaken(input.identity.stackId, nodePorts, result.taken))
        return { failure: { code: "no_port", message: "no available nodeport" } };
    }
    return { failure: { code: "no_port", message: `no free nodePort after ${maxPortAttempts} attempts` } };
  }

  return { createService };
}

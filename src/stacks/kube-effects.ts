import type { V1Pod, V1Service } from "@kubernetes/client-node";
import { parse } from "yaml";
import type {
  CreateFailure,
  ProvisionInput,
  ProvisionOutput,
  TeardownInput,
} from "../../machines/stack.types.ts";
import { AppError } from "../errors/app-error.ts";
import type { KubeClient } from "../kube/client.ts";
import {
  isAlreadyExists,
  isInvalid,
  isLimitRangeViolation,
  isNodePortAllocated,
  isNotFound,
  isQuotaExceeded,
  type KubeApiError,
  toKubeApiError,
} from "../kube/errors.ts";
import type { Logger } from "../log/logger.ts";
import type { PortAllocator } from "../ports/port-allocator.ts";
import { stackPod, stackService } from "./stack-resources.ts";

/** An error that tells the stack machine why a create was given up. */
export class CreateFailedError extends Error {
  readonly failure: CreateFailure;

  constructor(failure: CreateFailure, cause?: unknown) {
    super(failure.message, cause === undefined ? undefined : { cause });
    this.failure = failure;
  }
}

/** Maps the API server's refusal of a Pod or Service to a CreateFailure. */
export function classifyCreateError(error: KubeApiError): CreateFailure {
  if (isLimitRangeViolation(error)) return { code: "limit_range", message: error.message };
  if (isQuotaExceeded(error)) return { code: "quota_exceeded", message: error.message };
  if (isInvalid(error)) return { code: "invalid", message: error.message };
  return { code: "internal", message: error.message };
}

const maxPortAttempts = 10;

/** The protocol of the container port the Service exposes. */
function protocolOf(pod: V1Pod, targetPort: number): "TCP" | "UDP" {
  const port = pod.spec?.containers
    .flatMap((container) => container.ports ?? [])
    .find((candidate) => candidate.containerPort === targetPort);
  return port?.protocol === "UDP" ? "UDP" : "TCP";
}

export interface KubeEffectsOptions {
  kube: KubeClient;
  ports: PortAllocator;
  nodeRole: string;
  logger: Logger;
}

/** The I/O behind the stack machine's `provisionResources` and `teardownResources` actors. */
export function createKubeEffects({ kube, ports, nodeRole, logger }: KubeEffectsOptions) {
  const { core } = kube;

  /** Sanitised pods of creates in flight, so provisioning need not parse the YAML again. */
  const pendingPods = new Map<string, V1Pod>();

  function podFor(input: ProvisionInput): V1Pod {
    const sanitised = pendingPods.get(input.identity.stackId) ?? (parse(input.identity.podSpecYaml) as V1Pod);
    pendingPods.delete(input.identity.stackId);
    return stackPod(sanitised, input.identity, nodeRole);
  }

  async function createPod(pod: V1Pod, namespace: string): Promise<void> {
    try {
      await kube.transport.send("POST", `/api/v1/namespaces/${namespace}/pods`, { body: pod });
    } catch (error) {
      const failure = toKubeApiError(error);
      if (!isAlreadyExists(failure)) throw new CreateFailedError(classifyCreateError(failure), failure);
    }
  }

  /** Creates the Service, or adopts the one a crashed attempt left; returns its nodePort, or null if taken. */
  async function tryCreateService(
    input: ProvisionInput,
    nodePort: number,
    protocol: "TCP" | "UDP",
  ): Promise<number | null> {
    const { namespace, serviceName } = input.identity;
    try {
      // Raw JSON on the hot path: client-node's model serialiser costs more than building the request.
      await kube.transport.send("POST", `/api/v1/namespaces/${namespace}/services`, {
        body: stackService(input.identity, nodePort, protocol),
      });
      return nodePort;
    } catch (error) {
      const failure = toKubeApiError(error);
      if (isNodePortAllocated(failure)) return null;
      if (!isAlreadyExists(failure)) throw new CreateFailedError(classifyCreateError(failure), failure);
      const existing = await kube.transport.send<V1Service>(
        "GET",
        `/api/v1/namespaces/${namespace}/services/${serviceName}`,
      );
      return existing.spec?.ports?.[0]?.nodePort ?? nodePort;
    }
  }

  function nextPort(stackId: string, taken: number): number {
    logger.info("nodePort taken outside stackd; leasing another", { stackId, nodePort: taken });
    try {
      return ports.replace(stackId);
    } catch (error) {
      if (error instanceof AppError) throw new CreateFailedError({ code: "no_port", message: error.message });
      throw error;
    }
  }

  async function createService(input: ProvisionInput, protocol: "TCP" | "UDP"): Promise<number> {
    let nodePort = input.nodePort;
    for (let attempt = 1; attempt <= maxPortAttempts; attempt += 1) {
      const created = await tryCreateService(input, nodePort, protocol);
      if (created !== null) return created;
      nodePort = nextPort(input.identity.stackId, nodePort);
    }
    throw new CreateFailedError({
      code: "no_port",
      message: `no free nodePort after ${maxPortAttempts} attempts`,
    });
  }

  return {
    /** Remembers the sanitised pod of a create about to be provisioned. */
    rememberPod(stackId: string, pod: V1Pod): void {
      pendingPods.set(stackId, pod);
    },

    /**
     * Creates the Pod and the Service at the same time (they do not depend on each other); idempotent,
     * so a retry after a crash adopts what exists. A failure of either leaves cleanup to the rollback.
     */
    async provision(input: ProvisionInput): Promise<ProvisionOutput> {
      const pod = podFor(input);
      const protocol = protocolOf(pod, input.identity.targetPort);
      const [podResult, serviceResult] = await Promise.allSettled([
        createPod(pod, input.identity.namespace),
        createService(input, protocol),
      ]);
      if (podResult.status === "rejected") throw podResult.reason;
      if (serviceResult.status === "rejected") throw serviceResult.reason;
      return { nodePort: serviceResult.value };
    },

    /** Creates the stack's Service again after it was deleted outside stackd; returns its nodePort. */
    async restoreService(input: ProvisionInput): Promise<ProvisionOutput> {
      const pod = stackPod(parse(input.identity.podSpecYaml) as V1Pod, input.identity, nodeRole);
      logger.warn("service deleted outside stackd; creating it again", { stackId: input.identity.stackId });
      return { nodePort: await createService(input, protocolOf(pod, input.identity.targetPort)) };
    },

    /** Deletes Pod and Service; NotFound counts as done. Other failures throw so the machine retries. */
    async teardown({ identity }: TeardownInput): Promise<void> {
      const ignoreMissing = (error: unknown) => {
        const failure = toKubeApiError(error);
        if (!isNotFound(failure)) throw failure;
      };
      await Promise.all([
        core
          .deleteNamespacedPod({ name: identity.podName, namespace: identity.namespace })
          .catch(ignoreMissing),
        core
          .deleteNamespacedService({ name: identity.serviceName, namespace: identity.namespace })
          .catch(ignoreMissing),
      ]);
    },
  };
}

export type KubeEffects = ReturnType<typeof createKubeEffects>;

import type { V1Pod } from "@kubernetes/client-node";
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

export interface KubeEffectsOptions {
  kube: KubeClient;
  ports: PortAllocator;
  nodeRole: string;
  logger: Logger;
}

/** The I/O behind the stack machine's `provisionResources` and `teardownResources` actors. */
export function createKubeEffects({ kube, ports, nodeRole, logger }: KubeEffectsOptions) {
  const { core } = kube;

  async function createPod(input: ProvisionInput): Promise<"TCP" | "UDP"> {
    const sanitised = parse(input.identity.podSpecYaml) as V1Pod;
    const pod = stackPod(sanitised, input.identity, nodeRole);
    const port = pod.spec?.containers
      .flatMap((container) => container.ports ?? [])
      .find((p) => p.containerPort === input.identity.targetPort);
    try {
      await core.createNamespacedPod({ namespace: input.identity.namespace, body: pod });
    } catch (error) {
      const failure = toKubeApiError(error);
      if (!isAlreadyExists(failure)) throw new CreateFailedError(classifyCreateError(failure), failure);
    }
    return port?.protocol === "UDP" ? "UDP" : "TCP";
  }

  async function createService(input: ProvisionInput, protocol: "TCP" | "UDP"): Promise<number> {
    let nodePort = input.nodePort;
    for (let attempt = 1; attempt <= maxPortAttempts; attempt += 1) {
      try {
        await core.createNamespacedService({
          namespace: input.identity.namespace,
          body: stackService(input.identity, nodePort, protocol),
        });
        return nodePort;
      } catch (error) {
        const failure = toKubeApiError(error);
        if (isAlreadyExists(failure)) {
          const existing = await core.readNamespacedService({
            name: input.identity.serviceName,
            namespace: input.identity.namespace,
          });
          return existing.spec?.ports?.[0]?.nodePort ?? nodePort;
        }
        if (!isNodePortAllocated(failure)) throw new CreateFailedError(classifyCreateError(failure), failure);
        logger.info("nodePort taken outside stackd; leasing another", {
          stackId: input.identity.stackId,
          nodePort,
        });
        try {
          nodePort = ports.replace(input.identity.stackId);
        } catch (replaceError) {
          if (replaceError instanceof AppError)
            throw new CreateFailedError({ code: "no_port", message: replaceError.message });
          throw replaceError;
        }
      }
    }
    throw new CreateFailedError({
      code: "no_port",
      message: `no free nodePort after ${maxPortAttempts} attempts`,
    });
  }

  return {
    /** Creates the Pod, then the Service; idempotent, so a retry after a crash picks up what exists. */
    async provision(input: ProvisionInput): Promise<ProvisionOutput> {
      const protocol = await createPod(input);
      return { nodePort: await createService(input, protocol) };
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

import type { V1Pod, V1Service } from "@kubernetes/client-node";
import { fromPromise } from "xstate";
import { parse } from "yaml";
import { stackMachine } from "../../machines/stack.machine.ts";
import type {
  CreateFailure,
  PodOutput,
  ProvisionInput,
  ProvisionOutput,
  TeardownInput,
} from "../../machines/stack.types.ts";
import type { KubeClient } from "../kube/client.ts";
import {
  isAlreadyExists,
  isInvalid,
  isLimitRangeViolation,
  isNodePortAllocated,
  isNotFound,
  isQuotaExceeded,
  isTransient,
  type KubeApiError,
  toKubeApiError,
} from "../kube/errors.ts";
import type { Logger } from "../log/logger.ts";
import type { PortAllocator } from "../ports/port-allocator.ts";
import type { NetworkIsolation } from "./network-isolation-reconciler.ts";
import { stackPod, stackService } from "./stack-resources.ts";

/** stackd's own account lacks a permission: an operator's problem, never the pod author's. */
const isRbacRefusal = (error: KubeApiError) =>
  error.status === 403 && /\bcannot (create|get|delete)\b/.test(error.message);

/**
 * Maps the API server's refusal of a Pod or Service to a CreateFailure: its own verdicts on the user's
 * pod (422 invalid, 400 strict decoding, 403 from admission such as Pod Security or priority) are the
 * author's 400; no answer, 429 and 5xx mean Kubernetes is unavailable.
 */
export function classifyCreateError(error: KubeApiError): CreateFailure {
  if (isLimitRangeViolation(error)) return { code: "limit_range", message: error.message };
  if (isQuotaExceeded(error)) return { code: "quota_exceeded", message: error.message };
  if (isTransient(error)) return { code: "unavailable", message: error.message };
  if (isRbacRefusal(error)) return { code: "internal", message: error.message };
  if (isInvalid(error) || error.status === 400 || error.status === 403)
    return { code: "invalid", message: error.message };
  return { code: "internal", message: error.message };
}

/** How many nodePorts one create tries before giving up (each 422 "already allocated" costs one). */
export const maxPortAttempts = 10;

/** The protocol of the container port the Service exposes. */
function protocolOf(pod: V1Pod, targetPort: number): "TCP" | "UDP" {
  const port = pod.spec?.containers
    .flatMap((container) => container.ports ?? [])
    .find((candidate) => candidate.containerPort === targetPort);
  return port?.protocol === "UDP" ? "UDP" : "TCP";
}

export interface StackEffectsOptions {
  kube: KubeClient;
  ports: PortAllocator;
  nodeRole: string;
  /** STACKD_INSTANCE, which labels every Pod and Service. */
  instance: string;
  logger: Logger;
  /** Waits between retries of the same port (tests pass an instant one). */
  sleep?: (ms: number) => Promise<void>;
  /** STACK_NETWORK_ISOLATION's per-stack ingress policies (no-ops while it is off). */
  isolation?: Pick<NetworkIsolation, "ensureStackIngressPolicy" | "removeStackIngressPolicy">;
}

/** How often a repair retries the port its deleted Service had before leasing another, and the base delay. */
const samePortRetries = 5;
const samePortRetryDelayMs = 100;

/** The API server also refuses unknown and duplicate fields instead of dropping them. */
const strict = { fieldValidation: "Strict" };

type ServiceAttempt = { nodePort: number } | { taken: true } | { failure: CreateFailure };

/** The Kubernetes I/O behind the stack machine's `provisionResources`, `restoreService` and `teardownResources`. */
export function createStackEffects({
  kube,
  ports,
  nodeRole,
  instance,
  logger,
  sleep = (ms) => Bun.sleep(ms),
  isolation,
}: StackEffectsOptions) {
  /** A missing ingress policy only means no traffic yet: logged, and repaired by the next isolation pass. */
  async function allowIngress(stackId: string, port: number, protocol: "TCP" | "UDP"): Promise<void> {
    await isolation?.ensureStackIngressPolicy(stackId, port, protocol).catch((error: unknown) =>
      logger.warn("cannot create the stack's ingress policy; the next isolation pass retries", {
        stackId,
        error,
      }),
    );
  }

  const { transport } = kube;

  function podOf(input: ProvisionInput): V1Pod {
    const sanitised = (input.manifest ?? parse(input.identity.podSpecYaml)) as V1Pod;
    return stackPod(sanitised, input.identity, { nodeRole, instance });
  }

  async function createPod(pod: V1Pod, namespace: string): Promise<CreateFailure | null> {
    try {
      await transport.send("POST", `/api/v1/namespaces/${namespace}/pods`, { body: pod, query: strict });
      return null;
    } catch (error) {
      const failure = toKubeApiError(error);
      return isAlreadyExists(failure) ? null : classifyCreateError(failure);
    }
  }

  /** Creates the Service, or adopts the one a crashed attempt left; `taken` when the nodePort is someone else's. */
  async function tryCreateService(
    input: ProvisionInput,
    nodePort: number,
    protocol: "TCP" | "UDP",
  ): Promise<ServiceAttempt> {
    const { namespace, serviceName } = input.identity;
    try {
      // Raw JSON on the hot path: client-node's model serialiser costs more than building the request.
      await transport.send("POST", `/api/v1/namespaces/${namespace}/services`, {
        body: stackService(input.identity, nodePort, protocol, instance),
        query: strict,
      });
      return { nodePort };
    } catch (error) {
      const failure = toKubeApiError(error);
      if (isNodePortAllocated(failure)) return { taken: true };
      if (!isAlreadyExists(failure)) return { failure: classifyCreateError(failure) };
      const existing = await transport.send<V1Service>(
        "GET",
        `/api/v1/namespaces/${namespace}/services/${serviceName}`,
      );
      return { nodePort: existing.spec?.ports?.[0]?.nodePort ?? nodePort };
    }
  }

  /** Tries the input's own port `retries` times, waiting a little longer each time; `taken` if it stays taken. */
  async function retrySamePort(input: ProvisionInput, protocol: "TCP" | "UDP", retries: number) {
    for (let retry = 1; retry <= retries; retry += 1) {
      const result = await tryCreateService(input, input.nodePort, protocol);
      if (!("taken" in result)) return result;
      await sleep(samePortRetryDelayMs * retry);
    }
    return { taken: true } as const;
  }

  /**
   * Creates the Service, leasing another nodePort each time the API server says the port is taken.
   * `samePortRetries` first retries the same port (a Service just deleted may still hold it briefly).
   */
  async function createService(
    input: ProvisionInput,
    protocol: "TCP" | "UDP",
    samePortRetries = 0,
  ): Promise<ProvisionOutput> {
    const { stackId } = input.identity;
    let nodePort = input.nodePort;
    const early = await retrySamePort(input, protocol, samePortRetries);
    if (!("taken" in early)) return early;
    for (let attempt = 1; attempt <= maxPortAttempts; attempt += 1) {
      const result = await tryCreateService(input, nodePort, protocol);
      if (!("taken" in result)) return result;
      if (attempt === maxPortAttempts) break;
      logger.info("nodePort taken outside stackd; leasing another", { stackId, nodePort });
      const next = ports.replace(stackId);
      if (next === null) return { failure: { code: "no_port", message: "no available nodeport" } };
      nodePort = next;
    }
    return { failure: { code: "no_port", message: `no free nodePort after ${maxPortAttempts} attempts` } };
  }

  return {
    /** Creates the stack's Pod; idempotent, so a retry after a crash adopts the Pod that exists. */
    async provision(input: ProvisionInput): Promise<PodOutput> {
      const failure = await createPod(podOf(input), input.identity.namespace);
      return failure ? { failure } : { created: true };
    },

    /**
     * Creates the stack's Service once its Pod is scheduled: the commit point of a create, since the
     * Service carries the stack's durable record. A failure leaves cleanup to the rollback.
     */
    async expose(input: ProvisionInput): Promise<ProvisionOutput> {
      const protocol = protocolOf(podOf(input), input.identity.targetPort);
      const service = await createService(input, protocol);
      if ("nodePort" in service)
        await allowIngress(input.identity.stackId, input.identity.targetPort, protocol);
      return service;
    },

    /** Creates the stack's Service again after it was deleted outside stackd; returns its nodePort. */
    async restoreService(input: ProvisionInput): Promise<ProvisionOutput> {
      logger.warn("service deleted outside stackd; creating it again", { stackId: input.identity.stackId });
      const protocol = protocolOf(podOf(input), input.identity.targetPort);
      const result = await createService(input, protocol, samePortRetries);
      if ("failure" in result)
        logger.warn("cannot create the service again", {
          stackId: input.identity.stackId,
          ...result.failure,
        });
      return result;
    },

    /** Deletes Pod and Service; NotFound counts as done. Other failures throw so the machine retries. */
    async teardown({ identity }: TeardownInput): Promise<void> {
      const ignoreMissing = (error: unknown) => {
        const failure = toKubeApiError(error);
        if (!isNotFound(failure)) throw failure;
      };
      const { namespace } = identity;
      const deleted = Promise.all([
        transport
          .send("DELETE", `/api/v1/namespaces/${namespace}/pods/${identity.podName}`)
          .catch(ignoreMissing),
        transport
          .send("DELETE", `/api/v1/namespaces/${namespace}/services/${identity.serviceName}`)
          .catch(ignoreMissing),
      ]);
      await deleted.catch((error: unknown) => {
        // The machine waits and tries again; each attempt that fails is logged once.
        logger.warn("cannot delete the stack's Pod or Service; retrying", {
          stackId: identity.stackId,
          error,
        });
        throw error;
      });
      await isolation?.removeStackIngressPolicy(identity.stackId).catch((error: unknown) =>
        // The isolation pass on each sweep tick deletes it once its grace has passed.
        logger.warn("cannot delete the stack's ingress policy", { stackId: identity.stackId, error }),
      );
    },
  };
}

export type StackEffects = ReturnType<typeof createStackEffects>;

export interface StackTiming {
  /** The clock the TTL delay is computed against (a SimulatedClock's `now` in tests). */
  now: () => number;
  schedulingTimeoutMs: number;
}

/** The stack machine with its effects and delays supplied: what every stack actor runs. */
export function provideStackEffects(
  effects: Pick<StackEffects, "provision" | "expose" | "restoreService" | "teardown">,
  timing: StackTiming,
) {
  return stackMachine.provide({
    actors: {
      provisionResources: fromPromise(({ input }: { input: ProvisionInput }) => effects.provision(input)),
      exposeService: fromPromise(({ input }: { input: ProvisionInput }) => effects.expose(input)),
      teardownResources: fromPromise(({ input }: { input: TeardownInput }) => effects.teardown(input)),
      restoreService: fromPromise(({ input }: { input: ProvisionInput }) => effects.restoreService(input)),
    },
    delays: {
      ttl: ({ context }) => Math.max(0, context.ttlExpiresAt - timing.now()),
      schedulingTimeout: () => timing.schedulingTimeoutMs,
    },
  });
}

export type ProvidedStackMachine = ReturnType<typeof provideStackEffects>;

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
import { timerStep } from "../../machines/timer-delay.ts";
import type { KubeClient } from "../kube/client.ts";
import {
  clientSummary,
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
  if (isTransient(error)) return { code: "unavailable", message: clientSummary(error) };
  if (isRbacRefusal(error)) return { code: "internal", message: error.message };
  if (isInvalid(error) || error.status === 400 || error.status === 403)
    return { code: "invalid", message: error.message };
  return { code: "internal", message: error.message };
}

/** How many nodePorts one create tries before giving up (each 422 "already allocated" costs one). */
export const maxPortAttempts = 10;

/**
 * Which of the Service's ports a 422 "provided port is already allocated" names (by index into
 * spec.ports); every port when the answer names none that can be read.
 */
export function takenPortIndexes(error: KubeApiError, count: number): number[] {
  const named = new Set<number>();
  const fields = [
    ...(error.details?.causes ?? [])
      .filter((cause) => /already allocated/i.test(cause.message ?? ""))
      .map((cause) => cause.field ?? ""),
    ...error.message.matchAll(
      /(spec\.ports\[\d+\]\.nodePort): Invalid value: \d+: provided port is already allocated/gi,
    ),
  ];
  for (const field of fields) {
    const text = typeof field === "string" ? field : (field[1] ?? "");
    const index = /^spec\.ports\[(\d+)\]\.nodePort$/.exec(text)?.[1];
    if (index !== undefined && Number(index) < count) named.add(Number(index));
  }
  return named.size > 0
    ? [...named].sort((a, b) => a - b)
    : Array.from({ length: count }, (_, index) => index);
}

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

/** The Service was made (with these NodePorts), or these of its ports (indexes) are someone else's, or why not. */
type ServiceAttempt = { nodePorts: number[] } | { taken: number[] } | { failure: CreateFailure };

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
  async function allowIngress(input: ProvisionInput): Promise<void> {
    const { stackId } = input.identity;
    const exposed = input.identity.ports.map((port) => ({
      port: port.containerPort,
      protocol: port.protocol,
    }));
    await isolation?.ensureStackIngressPolicy(stackId, exposed).catch((error: unknown) =>
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
      if (isAlreadyExists(failure)) return null;
      if (isTransient(failure))
        logger.warn("cannot create the stack's Pod", { pod: pod.metadata?.name, error: failure });
      return classifyCreateError(failure);
    }
  }

  /** Creates the Service, or adopts the one a crashed attempt left; `taken` names the nodePorts that are someone else's. */
  async function tryCreateService(input: ProvisionInput, nodePorts: number[]): Promise<ServiceAttempt> {
    const { namespace, serviceName } = input.identity;
    try {
      // Raw JSON on the hot path: client-node's model serialiser costs more than building the request.
      await transport.send("POST", `/api/v1/namespaces/${namespace}/services`, {
        body: stackService(input.identity, nodePorts, instance),
        query: strict,
      });
      return { nodePorts };
    } catch (error) {
      const failure = toKubeApiError(error);
      if (isNodePortAllocated(failure)) return { taken: takenPortIndexes(failure, nodePorts.length) };
      if (isTransient(failure))
        logger.warn("cannot create the stack's Service", { service: serviceName, error: failure });
      if (!isAlreadyExists(failure)) return { failure: classifyCreateError(failure) };
      const existing = await transport.send<V1Service>(
        "GET",
        `/api/v1/namespaces/${namespace}/services/${serviceName}`,
      );
      return { nodePorts: nodePortsOfService(existing, input, nodePorts) };
    }
  }

  /** Tries the input's own ports `retries` times, waiting a little longer each time; `taken` if they stay taken. */
  async function retrySamePorts(input: ProvisionInput, retries: number): Promise<ServiceAttempt> {
    for (let retry = 1; retry <= retries; retry += 1) {
      const result = await tryCreateService(input, input.nodePorts);
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
  async function createService(input: ProvisionInput, samePortRetries = 0): Promise<ProvisionOutput> {
    const nodePorts = [...input.nodePorts];
    const early = await retrySamePorts(input, samePortRetries);
    if (!("taken" in early)) return early;
    for (let attempt = 1; attempt <= maxPortAttempts; attempt += 1) {
      const result = await tryCreateService(input, nodePorts);
      if (!("taken" in result)) return result;
      if (attempt === maxPortAttempts) break;
      if (!replaceTaken(input.identity.stackId, nodePorts, result.taken))
        return { failure: { code: "no_port", message: "no available nodeport" } };
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
      const service = await createService(input);
      if ("nodePorts" in service) await allowIngress(input);
      return service;
    },

    /** Creates the stack's Service again after it was deleted outside stackd; returns its nodePort. */
    async restoreService(input: ProvisionInput): Promise<ProvisionOutput> {
      logger.warn("service deleted outside stackd; creating it again", { stackId: input.identity.stackId });
      const result = await createService(input, samePortRetries);
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
      ttl: ({ context }) => timerStep(context.ttlExpiresAt - timing.now()),
      schedulingTimeout: () => timing.schedulingTimeoutMs,
    },
    guards: {
      ttlReached: ({ context }) => timing.now() >= context.ttlExpiresAt,
    },
  });
}

export type ProvidedStackMachine = ReturnType<typeof provideStackEffects>;

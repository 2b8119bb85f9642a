import type { V1Pod } from "@kubernetes/client-node";
import { parse } from "yaml";
import type {
  CreateFailure,
  PodOutput,
  ProvisionInput,
  ProvisionOutput,
  StackIdentity,
  TeardownInput,
} from "../../machines/stack.types.ts";
import { stackPod } from "../cluster/stack-resources.ts";
import { isRouted } from "../exposure/stack-exposure.ts";
import type { KubeClient } from "../kube/client.ts";
import { isAlreadyExists, isNotFound, isTransient, toKubeApiError } from "../kube/errors.ts";
import { strictFields } from "../kube/strict-fields.ts";
import type { Logger } from "../log/logger.ts";
import type { NetworkIsolation } from "../network/network-isolation-reconciler.ts";
import type { PortAllocator } from "../ports/port-allocator.ts";
import { classifyCreateError } from "./create-failures.ts";
import { type ServiceMade, serviceCreation } from "./service-creation.ts";
import { createStackWrites } from "./stack-writes.ts";

export interface StackEffectsOptions {
  kube: KubeClient;
  ports: PortAllocator;
  nodeRole: string;
  /** STACKD_INSTANCE, which labels every Pod and Service. */
  instance: string;
  /** STACK_RUNTIME_CLASS, set on every stack Pod; null or absent for the node's default runtime. */
  runtimeClassName?: string | null;
  logger: Logger;
  /** Waits between retries (tests pass an instant one). */
  sleep?: (ms: number) => Promise<void>;
  /** The leadership fence, asked before every write to a stack's objects (see stack-writes.ts). */
  mayWrite?: () => string | null;
  /** STACK_NETWORK_ISOLATION's per-stack ingress policies (no-ops while it is off). */
  isolation?: Pick<NetworkIsolation, "ensureStackIngressPolicy" | "removeStackIngressPolicy">;
  /** What STACK_EXPOSURE's mode adds to a stack's objects (nothing for NodePorts). */
  exposure?: ExposureEffects;
}

/**
 * The objects an exposure mode adds: a hostport stack's Pod is pinned to its node with its host ports, a
 * gateway stack's routes are made once its Service exists (owned by it) and deleted with it.
 */
export interface ExposureEffects {
  placePod?(pod: V1Pod, identity: StackIdentity): V1Pod;
  /** Creates the stack's routes (those that exist count as made); what it throws fails the create. */
  createRoutes?(identity: StackIdentity, service: { name: string; uid: string }): Promise<void>;
  deleteRoutes?(identity: StackIdentity): Promise<void>;
}

/** How often a repair retries the port its deleted Service had before leasing another. */
const samePortRetries = 5;

/** The Kubernetes I/O behind every effect of the stack machine; each write goes through stack-writes.ts. */
export function createStackEffects({
  kube,
  ports,
  nodeRole,
  instance,
  runtimeClassName = null,
  logger,
  sleep = (ms) => Bun.sleep(ms),
  isolation,
  mayWrite,
  exposure = {},
}: StackEffectsOptions) {
  const writes = createStackWrites({ kube, logger, sleep, ...(mayWrite ? { mayWrite } : {}) });
  /** A missing ingress policy only means no traffic yet: logged, and repaired by the next isolation pass. */
  async function allowIngress(input: ProvisionInput): Promise<void> {
    const { stackId } = input.identity;
    const exposed = input.identity.ports.map((port) => ({
      port: port.containerPort,
      protocol: port.protocol,
    }));
    await isolation
      ?.ensureStackIngressPolicy(stackId, exposed, isRouted(input.identity.exposure))
      .catch((error: unknown) =>
        logger.warn("cannot create the stack's ingress policy; the next isolation pass retries", {
          stackId,
          error,
        }),
      );
  }

  const { transport } = kube;

  function podOf(input: ProvisionInput): V1Pod {
    const sanitised = (input.manifest ?? parse(input.identity.podSpecYaml)) as V1Pod;
    const pod = stackPod(sanitised, input.identity, { nodeRole, instance, runtimeClassName });
    return exposure.placePod ? exposure.placePod(pod, input.identity) : pod;
  }

  async function createPod(pod: V1Pod, identity: StackIdentity): Promise<CreateFailure | null> {
    try {
      await writes.write("create the stack's Pod", identity.stackId, "once", () =>
        transport.send("POST", `/api/v1/namespaces/${identity.namespace}/pods`, {
          body: pod,
          query: strictFields,
        }),
      );
      return null;
    } catch (error) {
      const failure = toKubeApiError(error);
      if (isAlreadyExists(failure)) return null;
      if (isTransient(failure))
        logger.warn("cannot create the stack's Pod", { pod: pod.metadata?.name, error: failure });
      return classifyCreateError(failure);
    }
  }

  const { createService } = serviceCreation({ transport, writes, ports, instance, logger, sleep });

  /** A gateway stack's routes, made once its Service exists (they are owned by it); no routes, no stack. */
  async function withRoutes(input: ProvisionInput, service: ServiceMade): Promise<ProvisionOutput> {
    const { createRoutes } = exposure;
    if ("failure" in service) return service;
    if (!createRoutes) return { nodePorts: service.nodePorts };
    const { identity } = input;
    try {
      await writes.write("create the stack's routes", identity.stackId, "once", () =>
        createRoutes(identity, { name: identity.serviceName, uid: service.uid }),
      );
      return { nodePorts: service.nodePorts };
    } catch (error) {
      const failure = toKubeApiError(error);
      logger.warn("cannot create the stack's routes", { stackId: identity.stackId, error: failure });
      return { failure: classifyCreateError(failure) };
    }
  }

  return {
    /** Creates the stack's Pod; idempotent, so a retry after a crash adopts the Pod that exists. */
    async provision(input: ProvisionInput): Promise<PodOutput> {
      const failure = await createPod(podOf(input), input.identity);
      return failure ? { failure } : { created: true };
    },

    /**
     * Creates the stack's Service once its Pod is scheduled: the commit point of a create, since the
     * Service carries the stack's durable record. A failure leaves cleanup to the rollback.
     */
    async expose(input: ProvisionInput): Promise<ProvisionOutput> {
      const service = await withRoutes(input, await createService(input));
      if ("nodePorts" in service) await allowIngress(input);
      return service;
    },

    /** Creates the stack's Service again after it was deleted outside stackd; returns its nodePort. */
    async restoreService(input: ProvisionInput): Promise<ProvisionOutput> {
      logger.warn("service deleted outside stackd; creating it again", { stackId: input.identity.stackId });
      const result = await withRoutes(input, await createService(input, samePortRetries));
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
      const { namespace, stackId } = identity;
      const remove = (what: string, path: string) =>
        writes
          .write(`delete the stack's ${what}`, stackId, "retried", () =>
            transport.send("DELETE", path).catch(ignoreMissing),
          )
          .catch(ignoreMissing);
      const deleted = Promise.all([
        remove("Pod", `/api/v1/namespaces/${namespace}/pods/${identity.podName}`),
        remove("Service", `/api/v1/namespaces/${namespace}/services/${identity.serviceName}`),
        // The garbage collector would delete them after the Service; deleting them now stops routing at once.
        exposure.deleteRoutes
          ? writes.write("delete the stack's routes", stackId, "retried", () =>
              (exposure.deleteRoutes as NonNullable<ExposureEffects["deleteRoutes"]>)(identity),
            )
          : undefined,
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

    recordTerminal: writes.recordTerminal,
    recordExpiry: writes.recordExpiry,
  };
}

export type StackEffects = ReturnType<typeof createStackEffects>;

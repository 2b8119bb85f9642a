import type { InstanceLists } from "../cluster/instance-lists.ts";
import { restoreAlone } from "../cluster/restore-alone.ts";
import type { Config } from "../config/config.ts";
import { checkHostPortPodSecurity } from "../exposure/host-port-pod-security.ts";
import type { KubeClient } from "../kube/client.ts";
import { takeOverFromView } from "../leadership/takeover.ts";
import type { Logger } from "../log/logger.ts";
import type { NetworkIsolation } from "../network/network-isolation-reconciler.ts";
import { checkIngressPolicy } from "../network/network-policy.ts";
import { startNetworkPolicies } from "../network/network-startup.ts";
import type { Metrics } from "./observability.ts";
import type { StackCore } from "./stack-core.ts";

type StackIsolation = Pick<NetworkIsolation, "ensureStackIngressPolicy" | "removeStackIngressPolicy">;

/**
 * The network isolation this process runs once it acts (and nothing before): the per-stack policies
 * that stack effects ask for go to it.
 */
export class IsolationWhenActing implements StackIsolation {
  current: NetworkIsolation | undefined;

  ensureStackIngressPolicy(...args: Parameters<NetworkIsolation["ensureStackIngressPolicy"]>) {
    return this.current?.ensureStackIngressPolicy(...args) ?? Promise.resolve();
  }

  removeStackIngressPolicy(...args: Parameters<NetworkIsolation["removeStackIngressPolicy"]>) {
    return this.current?.removeStackIngressPolicy(...args) ?? Promise.resolve();
  }
}

export interface ActingRoleParts {
  config: Config;
  kube: KubeClient;
  logger: Logger;
  metrics: Metrics;
  isolation: IsolationWhenActing;
}

/**
 * When this process runs the stack actors, and what it starts then: a single stackd from its restore
 * (database and cluster), a replica from its takeover (its cluster view) once it leads; either way the
 * watches feed the actors, network isolation passes run, and batch delete jobs resume. Losing the Lease
 * stops all of that at once.
 */
export class ActingRole {
  #parts: ActingRoleParts;
  #acting = false;
  #isolationTimer: ReturnType<typeof setInterval> | undefined;

  constructor(parts: ActingRoleParts) {
    this.#parts = parts;
  }

  /** True while this process runs the stack actors. */
  isActing(): boolean {
    return this.#acting;
  }

  /**
   * Before anything else touches the namespace: a single stackd's first isolation pass, then the required
   * ingress policy, and that the namespace admits host ports when stacks get them. A replica writes nothing
   * before it leads: it only checks the required policy (and the host ports once it leads).
   */
  async prepareNetwork(): Promise<void> {
    const { config, kube } = this.#parts;
    if (!config.leaderElection.enabled) {
      await this.#checkHostPorts();
      this.#parts.isolation.current = await this.#startNetworkPolicies();
    } else if (config.requireIngressNetworkPolicy && !config.networkIsolation)
      await checkIngressPolicy(kube, config.namespace);
  }

  /** A single stackd's start: its stacks restored from the database and the instance's lists. */
  async actAlone(core: StackCore, lists: Promise<InstanceLists>): Promise<void> {
    const { config, logger } = this.#parts;
    const restoreStarted = performance.now();
    const restored = await restoreAlone({ lists, instance: config.instance, logger, ...core });
    const watchesStarted = performance.now();
    await core.sync.start(restored.lists);
    // Only now: the list of every Service in the cluster is as big as the instance's own, and parsing it
    // during the restore would slow the restore down.
    void core.ports.learnClusterPorts(core.sync.clusterNodePorts()).catch(this.#clusterPortsFailed);
    this.#act(core);
    logger.info("stackd ready", {
      restoredStacks: restored.stacks,
      namespace: config.namespace,
      instance: config.instance,
      // From the process's start: loading and building everything, then the restore's steps.
      stepsMs: {
        build: Math.round(restoreStarted),
        ...restored.timings,
        watches: Math.round(performance.now() - watchesStarted),
      },
    });
  }

  /** The new leader takes over from its cluster view: every stack the cluster holds, nothing from SQLite. */
  async takeOver(core: StackCore): Promise<void> {
    const { logger, metrics } = this.#parts;
    const started = performance.now();
    try {
      await this.#checkHostPorts();
      this.#parts.isolation.current = await this.#startNetworkPolicies();
      const networkPoliciesMs = Math.round(performance.now() - started);
      if (!core.view) throw new Error("no cluster view to take over from");
      const taken = takeOverFromView({
        ...core,
        view: core.view,
        clusterNodePorts: () => core.sync.clusterNodePorts(),
        onClusterPortsFailed: this.#clusterPortsFailed,
      });
      core.updates.follow(core.actors);
      core.sync.lead(core.actors);
      this.#act(core);
      const steps = { networkPolicies: networkPoliciesMs, ...taken.timings };
      for (const [step, ms] of Object.entries(steps)) metrics.takeoverSteps.set({ step }, ms / 1000);
      logger.info("leading: this replica now runs every stack and takes writes", {
        stacks: taken.stacks,
        takeoverMs: Math.round(performance.now() - started),
        stepsMs: steps,
      });
    } catch (error) {
      logger.error("cannot take over as leader; standing down", { error });
      throw error;
    }
  }

  /** This process lost its Lease: it stops acting at once. */
  stopActing(core: StackCore): void {
    this.#acting = false;
    void core.batchDeletes.stop();
    void core.exposureKeeper?.stop();
    this.stop();
    core.actors.stopAll();
  }

  /** Stops the isolation passes. */
  stop(): void {
    clearInterval(this.#isolationTimer);
  }

  #act(core: StackCore): void {
    const { config, logger, isolation } = this.#parts;
    this.#isolationTimer = setInterval(() => {
      isolation.current
        ?.reconcile()
        .catch((error: unknown) => logger.warn("network isolation pass failed", { error }));
    }, config.reconcileIntervalMs);
    this.#acting = true;
    core.exposureKeeper?.start();
    core.batchDeletes.resume();
  }

  /** STACK_EXPOSURE=hostport: the stack namespace's Pod Security must admit host ports. */
  async #checkHostPorts(): Promise<void> {
    const { config, kube, logger } = this.#parts;
    if (config.exposure.mode !== "hostport") return;
    await checkHostPortPodSecurity(kube, config.namespace, config.exposure.hostPortMin, logger);
  }

  #startNetworkPolicies(): Promise<NetworkIsolation> {
    const { config, kube, logger } = this.#parts;
    return startNetworkPolicies({
      kube,
      namespace: config.namespace,
      logger,
      networkIsolation: config.networkIsolation,
      requireIngressNetworkPolicy: config.requireIngressNetworkPolicy,
      edgePeers: config.exposure.edgePeers,
      orphanGraceMs: config.orphanGraceMs,
      instance: config.instance,
    });
  }

  #clusterPortsFailed = (error: unknown) =>
    this.#parts.logger.warn("cannot list the cluster's NodePorts; a create that picks a taken one retries", {
      error,
    });
}

import type { V1Node, V1Pod, V1Service } from "@kubernetes/client-node";
import type { KubeClient } from "../kube/client.ts";
import { ResourceWatch, type WatchHealth } from "../kube/watch.ts";
import type { Logger } from "../log/logger.ts";
import { stackEnvOf } from "../podspec/stack-env.ts";
import type { PortAllocator } from "../ports/port-allocator.ts";
import type { StackActors } from "../stacks/stack-actors.ts";
import type { ClusterMirror } from "./cluster-view.ts";
import type { InstanceLists } from "./instance-lists.ts";
import { instanceSelector, scopeToInstance } from "./instance-scope.ts";
import { NodeDirectory } from "./node-directory.ts";
import { OrphanSweep } from "./orphan-sweep.ts";
import { podFacts, podGone } from "./pod-facts.ts";
import { stackLabels } from "./stack-resources.ts";

export interface ClusterSyncOptions {
  kube: KubeClient;
  namespace: string;
  /** STACKD_INSTANCE: the watches, relists and sweeps see only this instance's objects. */
  instance: string;
  /** The actors to feed; null on a replica that does not lead (it only mirrors, and never sweeps). */
  actors: StackActors | null;
  /** Told of every object the watches see (a follower's read model). */
  mirror?: ClusterMirror;
  ports: PortAllocator;
  logger: Logger;
  orphanGraceMs: number;
  reconcileIntervalMs: number;
  now?: () => number;
  /** Told of every watch health change, with the watched resource (metrics). */
  onWatchHealth?: (resource: string, health: WatchHealth) => void;
  /**
   * While leading: a Service of this instance whose stack has no actor here, with its Pod if seen (a
   * stack another writer committed, say a leader that had not yet seen it lose its Lease). True when it
   * became a stack of this process; false when it is none (no record, or a stack that just ended here),
   * and then the sweep may delete it.
   */
  adoptService?: (service: V1Service, pod: V1Pod | undefined) => boolean;
}

const stackIdOf = (object: { metadata?: { labels?: Record<string, string> } }) =>
  object.metadata?.labels?.[stackLabels.stackId];

/** Feeds nothing: the actors of a replica that does not lead. */
const noActors = {
  podChanged() {},
  serviceGone() {},
  nodeDeleted() {},
  *scheduledStacks(): Generator<{ stackId: string; nodeName: string | null }> {},
  has: () => false,
};

/** Scheduled stacks (which must have a Pod and a Service) whose object a relist did not return. */
export function missingFrom<T extends { stackId: string }>(
  scheduled: Iterable<T>,
  present: Set<string>,
): T[] {
  const missing: T[] = [];
  for (const stack of scheduled) if (!present.has(stack.stackId)) missing.push(stack);
  return missing;
}

/**
 * Feeds the stack actors from Kubernetes: Node, Pod and Service watches (level-based: every relist
 * is reconciled as a whole), and a periodic sweep that deletes the instance's objects no stack owns.
 * Pods and Services of other stackd instances are never seen, so never swept.
 */
export class ClusterSync {
  readonly nodes = new NodeDirectory();
  #options: ClusterSyncOptions;
  #watches: ResourceWatch<V1Node | V1Pod | V1Service>[] = [];
  #sweep: OrphanSweep;
  /** Each seen Pod's per-stack env values, by stack id (on every replica, for `?include=env`). */
  #podEnv = new Map<string, Record<string, string>>();
  /** While leading: the Pods of stacks that have no actor here (yet), for a Service to be adopted. */
  #unclaimedPods = new Map<string, V1Pod>();
  #now: () => number;
  #actors: StackActors | null;
  #mirror: ClusterMirror | undefined;

  constructor(options: ClusterSyncOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#actors = options.actors;
    this.#mirror = options.mirror;
    this.#sweep = new OrphanSweep({
      transport: options.kube.transport,
      namespace: options.namespace,
      ports: options.ports,
      logger: options.logger,
      orphanGraceMs: options.orphanGraceMs,
      intervalMs: options.reconcileIntervalMs,
      now: this.#now,
    });
  }

  /** The actors to feed, or a sink that drops everything while this replica does not lead. */
  get #sink(): Pick<StackActors, "podChanged" | "serviceGone" | "nodeDeleted" | "scheduledStacks" | "has"> {
    return this.#actors ?? noActors;
  }

  /**
   * Starts feeding `actors` (this replica now leads) and sweeping orphans; the mirror is dropped,
   * since the actors are the read model from now on.
   */
  lead(actors: StackActors): void {
    this.#actors = actors;
    this.#mirror = undefined;
    this.#startSweeps();
  }

  /** The per-stack env values the stack's Pod carries ({} when none), or null when its Pod is not seen. */
  stackEnv(stackId: string): Record<string, string> | null {
    return this.#podEnv.get(stackId) ?? null;
  }

  /** Every nodePort that Services anywhere in the cluster use (for the port allocator). */
  async clusterNodePorts(): Promise<number[]> {
    // Plain JSON: the typed list would convert every Service in the cluster into model classes.
    const list = await this.#options.kube.transport.send<{ items: V1Service[] }>("GET", "/api/v1/services");
    return list.items
      .flatMap((service) => (service.spec?.ports ?? []).map((port) => port.nodePort ?? 0))
      .filter(Boolean);
  }

  /**
   * Starts the watches (nodes first, so pods can be placed) and the orphan sweep; with `lists` (read by
   * the start from the same paths and selectors) the watches begin from them instead of listing again.
   */
  async start(lists?: InstanceLists): Promise<void> {
    const { kube, namespace, instance, logger } = this.#options;
    const nodeWatch = new ResourceWatch<V1Node>({
      transport: kube.transport,
      path: "/api/v1/nodes",
      ...(lists ? { initialList: lists.nodes } : {}),
      logger: logger.child({ watch: "nodes" }),
      handlers: {
        onHealth: (health) => this.#options.onWatchHealth?.("nodes", health),
        onSync: (nodes) => {
          for (const name of this.nodes.sync(nodes)) this.#sink.nodeDeleted(name);
          this.#mirror?.nodes();
        },
        onEvent: (type, node) => {
          if (type === "DELETED") {
            this.nodes.remove(node.metadata?.name ?? "");
            this.#sink.nodeDeleted(node.metadata?.name ?? "");
          } else this.nodes.upsert(node);
          this.#mirror?.nodes();
        },
      },
    });
    const podWatch = new ResourceWatch<V1Pod>({
      transport: kube.transport,
      path: `/api/v1/namespaces/${namespace}/pods`,
      labelSelector: instanceSelector(instance),
      ...(lists ? { initialList: lists.pods } : {}),
      logger: logger.child({ watch: "pods" }),
      handlers: scopeToInstance<V1Pod>(instance, {
        onHealth: (health) => this.#options.onWatchHealth?.("pods", health),
        onSync: (pods) => this.#syncPods(pods),
        onEvent: (type, pod) => this.#podEvent(type === "DELETED", pod),
      }),
    });
    const serviceWatch = new ResourceWatch<V1Service>({
      transport: kube.transport,
      path: `/api/v1/namespaces/${namespace}/services`,
      labelSelector: instanceSelector(instance),
      ...(lists ? { initialList: lists.services } : {}),
      logger: logger.child({ watch: "services" }),
      handlers: scopeToInstance<V1Service>(instance, {
        onHealth: (health) => this.#options.onWatchHealth?.("services", health),
        onSync: (services) => {
          this.#sweep.sync("service", services);
          this.#mirror?.services(services);
          for (const service of services) this.#claim(service);
          const present = this.#sweep.stacksWithService();
          const absent = (stackId: string) => !present.has(stackId);
          for (const stack of missingFrom(this.#sink.scheduledStacks(absent), present))
            this.#sink.serviceGone(stack.stackId);
        },
        onEvent: (type, service) => {
          this.#sweep.track("service", type === "DELETED", service);
          this.#mirror?.service(type === "DELETED", service);
          if (type !== "DELETED") this.#claim(service);
          const stackId = stackIdOf(service);
          if (type === "DELETED" && stackId) this.#sink.serviceGone(stackId);
        },
      }),
    });
    this.#watches = [nodeWatch, podWatch, serviceWatch] as ResourceWatch<V1Node | V1Pod | V1Service>[];
    await nodeWatch.start();
    await Promise.all([podWatch.start(), serviceWatch.start()]);
    if (this.#actors) {
      await this.sweepOrphans();
      this.#startSweeps();
    }
  }

  #startSweeps(): void {
    this.#sweep.start((stackId) => this.#actors?.has(stackId) ?? true);
  }

  async stop(): Promise<void> {
    this.#sweep.stop();
    await Promise.all(this.#watches.map((watch) => watch.stop()));
  }

  health(): Array<{ path: string; health: WatchHealth }> {
    return this.#watches.map((watch) => ({ path: watch.path, health: watch.health() }));
  }

  /** How many orphan sweeps have finished (deleting or not, failed or not): tests wait for a count. */
  sweepPasses(): number {
    return this.#sweep.passes();
  }

  /** Deletes the instance's Pods and Services that no stack owns and that are older than the grace. */
  async sweepOrphans(): Promise<number> {
    // A replica that does not lead owns everything it sees, so its sweep deletes nothing.
    return this.#sweep.sweep((stackId) => this.#actors?.has(stackId) ?? true);
  }

  #podEvent(deleted: boolean, pod: V1Pod): void {
    const stackId = stackIdOf(pod);
    if (!stackId) return;
    this.#sweep.track("pod", deleted, pod);
    if (deleted) this.#podEnv.delete(stackId);
    else this.#podEnv.set(stackId, stackEnvOf(pod) ?? {});
    this.#mirror?.pod(deleted, pod);
    if (deleted) this.#podVanished(stackId, pod.spec?.nodeName ?? null);
    else this.#deliver(stackId, pod);
  }

  /**
   * Adopts the stack of a Service that no actor here owns (committed by another writer), unless it is
   * being deleted; its Pod's facts follow.
   */
  #claim(service: V1Service): void {
    const actors = this.#actors;
    const adopt = this.#options.adoptService;
    const stackId = stackIdOf(service);
    if (!actors || !adopt || !stackId || service.metadata?.deletionTimestamp || actors.has(stackId)) return;
    const pod = this.#unclaimedPods.get(stackId);
    if (!adopt(service, pod)) return;
    this.#unclaimedPods.delete(stackId);
    if (pod) this.#deliver(stackId, pod);
  }

  /** Sends the pod's facts to its stack; a pod bound to a node that no longer exists means node loss. */
  #deliver(stackId: string, pod: V1Pod): void {
    if (this.#actors && !this.#actors.has(stackId)) this.#unclaimedPods.set(stackId, pod);
    const nodeName = pod.spec?.nodeName;
    this.#sink.podChanged(stackId, podFacts(pod), this.nodes.externalIp(nodeName));
    if (nodeName && !this.nodes.has(nodeName)) this.#sink.nodeDeleted(nodeName);
  }

  #podVanished(stackId: string, nodeName: string | null): void {
    this.#unclaimedPods.delete(stackId);
    if (nodeName && !this.nodes.has(nodeName)) this.#sink.nodeDeleted(nodeName);
    else this.#sink.podChanged(stackId, podGone, null);
  }

  #syncPods(pods: V1Pod[]): void {
    this.#sweep.sync("pod", pods);
    this.#podEnv = new Map();
    this.#unclaimedPods = new Map();
    for (const pod of pods) {
      const stackId = stackIdOf(pod);
      if (stackId) this.#podEnv.set(stackId, stackEnvOf(pod) ?? {});
    }
    this.#mirror?.pods(pods);
    const present = new Set<string>();
    for (const pod of pods) {
      const stackId = stackIdOf(pod);
      if (!stackId) continue;
      present.add(stackId);
      this.#deliver(stackId, pod);
    }
    const absent = (stackId: string) => !present.has(stackId);
    for (const stack of missingFrom(this.#sink.scheduledStacks(absent), present)) {
      this.#podVanished(stack.stackId, stack.nodeName);
    }
  }
}

import type { V1Node, V1Pod, V1Service } from "@kubernetes/client-node";
import type { KubeClient } from "../kube/client.ts";
import { isNotFound, toKubeApiError } from "../kube/errors.ts";
import { ResourceWatch, type WatchHealth } from "../kube/watch.ts";
import type { Logger } from "../log/logger.ts";
import type { PortAllocator } from "../ports/port-allocator.ts";
import { NodeDirectory } from "./node-directory.ts";
import { podFacts, podGone } from "./pod-facts.ts";
import type { StackRegistry } from "./stack-registry.ts";
import { managedBySelector, stackLabels } from "./stack-resources.ts";

export interface ClusterSyncOptions {
  kube: KubeClient;
  namespace: string;
  registry: StackRegistry;
  ports: PortAllocator;
  logger: Logger;
  orphanGraceMs: number;
  reconcileIntervalMs: number;
  now?: () => number;
}

const stackIdOf = (object: { metadata?: { labels?: Record<string, string> } }) =>
  object.metadata?.labels?.[stackLabels.stackId];

/**
 * Feeds the stack actors from Kubernetes: Node, Pod and Service watches (level-based: every relist
 * is reconciled as a whole), and a periodic sweep that deletes stackd-labelled objects no stack owns.
 */
export class ClusterSync {
  readonly nodes = new NodeDirectory();
  #options: ClusterSyncOptions;
  #watches: ResourceWatch<V1Node | V1Pod | V1Service>[] = [];
  #pods = new Map<string, V1Pod>();
  #services = new Map<string, V1Service>();
  #sweepTimer: ReturnType<typeof setInterval> | undefined;
  #now: () => number;

  constructor(options: ClusterSyncOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  /** Every nodePort that Services anywhere in the cluster use (for the port allocator). */
  async clusterNodePorts(): Promise<number[]> {
    const list = await this.#options.kube.core.listServiceForAllNamespaces();
    return list.items
      .flatMap((service) => (service.spec?.ports ?? []).map((port) => port.nodePort ?? 0))
      .filter(Boolean);
  }

  /** Starts the watches (nodes first, so pods can be placed) and the orphan sweep. */
  async start(): Promise<void> {
    const { kube, namespace, logger, registry } = this.#options;
    const nodeWatch = new ResourceWatch<V1Node>({
      transport: kube.transport,
      path: "/api/v1/nodes",
      logger: logger.child({ watch: "nodes" }),
      handlers: {
        onSync: (nodes) => {
          for (const name of this.nodes.sync(nodes)) registry.nodeDeleted(name);
        },
        onEvent: (type, node) => {
          if (type === "DELETED") {
            this.nodes.remove(node.metadata?.name ?? "");
            registry.nodeDeleted(node.metadata?.name ?? "");
          } else this.nodes.upsert(node);
        },
      },
    });
    const podWatch = new ResourceWatch<V1Pod>({
      transport: kube.transport,
      path: `/api/v1/namespaces/${namespace}/pods`,
      labelSelector: managedBySelector,
      logger: logger.child({ watch: "pods" }),
      handlers: {
        onSync: (pods) => this.#syncPods(pods),
        onEvent: (type, pod) => this.#podEvent(type === "DELETED", pod),
      },
    });
    const serviceWatch = new ResourceWatch<V1Service>({
      transport: kube.transport,
      path: `/api/v1/namespaces/${namespace}/services`,
      labelSelector: managedBySelector,
      logger: logger.child({ watch: "services" }),
      handlers: {
        onSync: (services) => {
          this.#services = new Map(services.map((service) => [service.metadata?.name ?? "", service]));
        },
        onEvent: (type, service) => {
          if (type === "DELETED") this.#services.delete(service.metadata?.name ?? "");
          else this.#services.set(service.metadata?.name ?? "", service);
        },
      },
    });
    this.#watches = [nodeWatch, podWatch, serviceWatch] as ResourceWatch<V1Node | V1Pod | V1Service>[];
    await nodeWatch.start();
    await Promise.all([podWatch.start(), serviceWatch.start()]);
    await this.sweepOrphans();
    this.#sweepTimer = setInterval(() => {
      this.sweepOrphans().catch((error: unknown) => logger.warn("orphan sweep failed", { error }));
    }, this.#options.reconcileIntervalMs);
  }

  async stop(): Promise<void> {
    if (this.#sweepTimer) clearInterval(this.#sweepTimer);
    await Promise.all(this.#watches.map((watch) => watch.stop()));
  }

  health(): WatchHealth[] {
    return this.#watches.map((watch) => watch.health());
  }

  /** Deletes Pods and Services labelled as stackd's that no stack owns and that are older than the grace. */
  async sweepOrphans(): Promise<number> {
    const { kube, namespace, registry, orphanGraceMs, logger, ports } = this.#options;
    const cutoff = this.#now() - orphanGraceMs;
    const old = (object: { metadata?: { creationTimestamp?: Date } }) =>
      new Date(object.metadata?.creationTimestamp ?? 0).getTime() <= cutoff;
    let deleted = 0;
    const ignoreMissing = (error: unknown) => {
      if (!isNotFound(toKubeApiError(error))) throw error;
    };
    for (const pod of [...this.#pods.values()]) {
      const stackId = stackIdOf(pod);
      if (stackId && !registry.has(stackId) && old(pod) && !pod.metadata?.deletionTimestamp) {
        logger.info("deleting orphan pod", { pod: pod.metadata?.name, stackId });
        await kube.core
          .deleteNamespacedPod({ name: pod.metadata?.name ?? "", namespace })
          .catch(ignoreMissing);
        deleted += 1;
      }
    }
    for (const service of [...this.#services.values()]) {
      const stackId = stackIdOf(service);
      if (stackId && !registry.has(stackId) && old(service)) {
        logger.info("deleting orphan service", { service: service.metadata?.name, stackId });
        await kube.core
          .deleteNamespacedService({ name: service.metadata?.name ?? "", namespace })
          .catch(ignoreMissing);
        this.#services.delete(service.metadata?.name ?? "");
        for (const port of service.spec?.ports ?? [])
          if (port.nodePort) ports.actor.send({ type: "port.freed", port: port.nodePort });
        deleted += 1;
      }
    }
    return deleted;
  }

  #podEvent(deleted: boolean, pod: V1Pod): void {
    const stackId = stackIdOf(pod);
    if (!stackId) return;
    const name = pod.metadata?.name ?? "";
    if (deleted) {
      this.#pods.delete(name);
      this.#podVanished(stackId, pod.spec?.nodeName ?? null);
      return;
    }
    this.#pods.set(name, pod);
    this.#deliver(stackId, pod);
  }

  /** Sends the pod's facts to its stack; a pod bound to a node that no longer exists means node loss. */
  #deliver(stackId: string, pod: V1Pod): void {
    const nodeName = pod.spec?.nodeName;
    this.#options.registry.podChanged(stackId, podFacts(pod), this.nodes.externalIp(nodeName));
    if (nodeName && !this.nodes.has(nodeName)) this.#options.registry.nodeDeleted(nodeName);
  }

  #podVanished(stackId: string, nodeName: string | null): void {
    if (nodeName && !this.nodes.has(nodeName)) this.#options.registry.nodeDeleted(nodeName);
    else this.#options.registry.podChanged(stackId, podGone, null);
  }

  #syncPods(pods: V1Pod[]): void {
    this.#pods = new Map(pods.map((pod) => [pod.metadata?.name ?? "", pod]));
    const present = new Set<string>();
    for (const pod of pods) {
      const stackId = stackIdOf(pod);
      if (!stackId) continue;
      present.add(stackId);
      this.#deliver(stackId, pod);
    }
    for (const stack of this.#options.registry.liveStacks()) {
      if (stack.podExpected && !present.has(stack.stackId)) this.#podVanished(stack.stackId, stack.nodeName);
    }
  }
}

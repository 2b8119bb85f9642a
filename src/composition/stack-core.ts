import type { Database } from "bun:sqlite";
import type { NodeLookup } from "../cluster/cluster-records.ts";
import { ClusterSync } from "../cluster/cluster-sync.ts";
import { ClusterView } from "../cluster/cluster-view.ts";
import { nodeOverview } from "../cluster/node-overview.ts";
import { stackAdoption } from "../cluster/stack-adoption.ts";
import type { Config } from "../config/config.ts";
import { StackEdge } from "../exposure/edge/stack-edge.ts";
import { exposureLeases } from "../exposure/exposure-leases.ts";
import { gatewayEffects } from "../exposure/gateway/gateway-exposure.ts";
import { GatewayRouteRepair } from "../exposure/gateway/gateway-route-repair.ts";
import { hostPortExposure } from "../exposure/host-port-exposure.ts";
import type { InspectionObserver } from "../inspection.ts";
import { BatchDeletes, deleteThrough } from "../jobs/batch-deletes.ts";
import type { KubeClient } from "../kube/client.ts";
import { UpdateRelay } from "../leadership/update-relay.ts";
import { ChangeFeed } from "../live/change-feed.ts";
import type { Logger } from "../log/logger.ts";
import { PortAllocator } from "../ports/port-allocator.ts";
import { lifecycleLog } from "../stacks/lifecycle-log.ts";
import { OwnerLimits } from "../stacks/owner-limits.ts";
import { provideStackEffects } from "../stacks/provided-stack-machine.ts";
import { StackActors } from "../stacks/stack-actors.ts";
import { StackDiagnostics } from "../stacks/stack-diagnostics.ts";
import { createStackEffects } from "../stacks/stack-effects.ts";
import { StackReads } from "../stacks/stack-reads.ts";
import { StackService } from "../stacks/stack-service.ts";
import { createStackWrites, isolationThroughWrites, type StackIsolation } from "../stacks/stack-writes.ts";
import { TtlExtensions } from "../stacks/ttl-extensions.ts";
import { BatchDeleteStore } from "../store/batch-delete-store.ts";
import { EventHistory } from "../store/event-history.ts";
import { StackStore } from "../store/stack-store.ts";
import type { Observability } from "./observability.ts";

/** `POST /stacks` answers within STACK_SCHEDULING_TIMEOUT plus this, whatever the API server does. */
export const createDeadlineSlackMs = 5_000;
/** `DELETE` waits this long for the teardown, then answers with the stack marked stopped. */
const deleteWaitMs = 2_000;

export interface StackCoreParts {
  config: Config;
  kube: KubeClient;
  db: Database;
  logger: Logger;
  observability: Observability;
  inspect?: InspectionObserver | undefined;
  /** Null when this process may write to the cluster, otherwise why not (the instance Lease's fence). */
  mayWrite: () => string | null;
  /** The per-stack NetworkPolicies, once isolation has started (writes nothing before). */
  isolation: StackIsolation;
}

/**
 * Everything that keeps stacks, wired together: the store, the port allocator, the actors with their
 * effects, the reads (from the actors, or on a follower from its cluster view), the commands, the
 * cluster's watches, batch deletes and the live feed. Nothing here starts; the acting role does.
 */
export function buildStackCore({
  config,
  kube,
  db,
  logger,
  observability,
  inspect,
  mayWrite,
  isolation,
}: StackCoreParts) {
  const replicated = config.leaderElection.enabled;
  const { metrics } = observability;
  const store = new StackStore(db);
  const ports = new PortAllocator({
    min: config.nodePortMin,
    max: config.nodePortMax,
    ...(inspect ? { inspect } : {}),
  });
  // STACK_EXPOSURE=hostport's (node, port) leases; empty in the other modes.
  const hostPorts = hostPortExposure(config.exposure, inspect);
  const effects = createStackEffects({
    kube,
    ports,
    nodeRole: config.nodeRole,
    instance: config.instance,
    runtimeClassName: config.runtimeClassName,
    logger,
    // The one place a stack's writes ask leadership first (the transport's fence backs it up).
    mayWrite,
    // Per-stack policies are the stack's objects too: the same fence and retries as its other writes.
    isolation: isolationThroughWrites(isolation, createStackWrites({ kube, logger, mayWrite })),
    exposure: {
      placePod: hostPorts.placePod,
      ...(config.exposure.gateway
        ? gatewayEffects(kube.transport, config.exposure.gateway, config.instance)
        : {}),
    },
  });
  const machine = provideStackEffects(effects, {
    now: Date.now,
    schedulingTimeoutMs: config.schedulingTimeoutMs,
  });
  // Only the leader's create asks them; a follower forwards its creates.
  const limits = OwnerLimits.enabled(config.ownerLimits) ? new OwnerLimits(config.ownerLimits) : undefined;
  const actors = new StackActors({
    machine,
    store,
    ports: { release: (stackId) => exposure.release(stackId) },
    logger,
    onStoreError: () => metrics.storeWriteErrors.inc({ table: "stack_records" }),
    ...(inspect ? { inspect } : {}),
    ...(limits ? { slots: limits } : {}),
  });
  actors.onUpdate(lifecycleLog(logger));
  actors.onUpdate((update) => observability.stackUpdated(update));
  // A follower's reads and live stream come from its cluster view, the leader's from its actors.
  const nodes: NodeLookup = {
    has: (name: string) => sync.nodes.has(name),
    externalIp: (name: string | null | undefined) => sync.nodes.externalIp(name),
  };
  const view = replicated ? new ClusterView(nodes) : undefined;
  const updates = new UpdateRelay(view ?? actors);
  const reads = new StackReads(updates, () => ports.leasedCount());
  const exposure = exposureLeases({
    config: config.exposure,
    nodePorts: ports,
    hostPorts: hostPorts.allocator,
    stackNodes: () => sync.nodes.placeable(config.nodeRole),
  });
  const service = new StackService({
    actors,
    reads,
    exposure,
    namespace: config.namespace,
    stackTtlMs: config.stackTtlMs,
    createDeadlineMs: config.schedulingTimeoutMs + createDeadlineSlackMs,
    deleteWaitMs,
    ...(limits ? { limits } : {}),
    // With replicas the cluster holds each record (the Service is the commit point); SQLite is a cache.
    recordsAreInCluster: replicated,
    onCreateAnswered: (reason, seconds) => observability.createAnswered(reason, seconds),
  });
  const ttl = new TtlExtensions({ actors, reads, defaultTtlMs: config.stackTtlMs, limits: config.lifetime });
  const batchDeletes = new BatchDeletes({
    store: new BatchDeleteStore(db),
    deleteStack: deleteThrough(service),
    logger: logger.child({ component: "batch-delete" }),
  });
  const sync: ClusterSync = new ClusterSync({
    kube,
    namespace: config.namespace,
    instance: config.instance,
    actors: replicated ? null : actors,
    ...(view ? { mirror: view } : {}),
    ports,
    logger,
    orphanGraceMs: config.orphanGraceMs,
    reconcileIntervalMs: config.reconcileIntervalMs,
    onWatchHealth: (resource, health) => observability.watchHealth(resource)(health),
    adoptService: stackAdoption({ actors, ports, hostPorts, nodes, logger }),
  });
  const history = new EventHistory(db, { count: config.liveHistorySize, bytes: config.liveHistoryBytes });
  const feed = new ChangeFeed(updates, reads, history, logger, {
    onHistoryError: () => metrics.storeWriteErrors.inc({ table: "stack_events" }),
  });
  metrics.bind({
    stacksByStatus: () => reads.countByStatus(),
    nodePorts: () => ({ inUse: ports.leasedCount(), free: ports.freeCount() }),
    liveClients: () => feed.subscriberCount(),
  });
  // What the console explains a stack with, read from the cluster at each request.
  const diagnostics = new StackDiagnostics({ reads, transport: kube.transport });
  const nodeView = () =>
    nodeOverview({
      transport: kube.transport,
      nodeRole: config.nodeRole,
      exposure: config.exposure.mode,
      stacksByNode: () => reads.stats().node_distribution,
      freeNodePorts: () => ports.freeCount(),
      hostPorts: () => hostPorts.allocator.stats(),
    });
  const exposureKeeper = keeperOf(config, { actors, kube, logger, mayWrite });
  return {
    store,
    ports,
    hostPorts,
    exposureKeeper,
    actors,
    view,
    updates,
    reads,
    service,
    ttl,
    batchDeletes,
    sync,
    feed,
    diagnostics,
    nodeView,
  };
}

export type StackCore = ReturnType<typeof buildStackCore>;

/**
 * What keeps STACK_EXPOSURE's own objects while this process runs the stacks: the HAProxy table
 * (`edge`), or the routes repaired (`gateway`); nothing for NodePorts and host ports.
 */
function keeperOf(
  config: Config,
  parts: { actors: StackActors; kube: KubeClient; logger: Logger; mayWrite: () => string | null },
): { start(): void; stop(): Promise<void> } | undefined {
  const { actors, kube, logger, mayWrite } = parts;
  const { edge, gateway } = config.exposure;
  if (edge)
    return new StackEdge({
      actors,
      runtimeApi: edge.runtimeApi,
      map: edge.map,
      logger,
      refreshIntervalMs: config.reconcileIntervalMs,
    });
  if (gateway)
    return new GatewayRouteRepair({
      actors,
      transport: kube.transport,
      namespace: config.namespace,
      instance: config.instance,
      gateway,
      logger,
      intervalMs: config.reconcileIntervalMs,
      mayWrite,
    });
  return undefined;
}

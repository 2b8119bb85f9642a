import type { Server } from "bun";
import type { Config } from "./config/config.ts";
import { createApp } from "./http/app.ts";
import { bindOrFail } from "./http/listen.ts";
import type { InspectionObserver } from "./inspection.ts";
import { createKubeClient, type KubeClient } from "./kube/client.ts";
import { ChangeFeed } from "./live/change-feed.ts";
import type { Logger } from "./log/logger.ts";
import { createMetrics, resourceOf, watchObserver } from "./metrics/metrics.ts";
import { defaultPodPolicy } from "./podspec/pod-policy.ts";
import { PortAllocator } from "./ports/port-allocator.ts";
import { adoptFromCluster } from "./stacks/cluster-adoption.ts";
import { ClusterSync } from "./stacks/cluster-sync.ts";
import { lifecycleLog } from "./stacks/lifecycle-log.ts";
import { startNetworkPolicies } from "./stacks/network-startup.ts";
import { readinessChecks } from "./stacks/readiness.ts";
import { StackActors } from "./stacks/stack-actors.ts";
import { createStackEffects, provideStackEffects } from "./stacks/stack-effects.ts";
import { StackReads } from "./stacks/stack-reads.ts";
import { StackService } from "./stacks/stack-service.ts";
import { openStackdDatabase } from "./store/database.ts";
import { EventHistory } from "./store/event-history.ts";
import { StackStore } from "./store/stack-store.ts";

/** `POST /stacks` answers within STACK_SCHEDULING_TIMEOUT plus this, whatever the API server does. */
const createDeadlineSlackMs = 5_000;
/** `DELETE` waits this long for the teardown, then answers with the stack marked stopped. */
const deleteWaitMs = 2_000;

export interface StackdDependencies {
  logger: Logger;
  /** A ready client (tests); otherwise built from the configuration. */
  kube?: KubeClient;
  inspect?: InspectionObserver;
}

/**
 * The composition root: opens the database, restores the actors, reconciles with the cluster,
 * starts the watches, and builds the HTTP app. `listen()` serves it; `stop()` shuts down cleanly.
 */
export async function createStackd(config: Config, dependencies: StackdDependencies) {
  const { logger, inspect } = dependencies;
  const kube =
    dependencies.kube ??
    createKubeClient({
      ...(config.kubeconfigPath ? { kubeconfigPath: config.kubeconfigPath } : {}),
      ...(config.kubeContext ? { context: config.kubeContext } : {}),
      inCluster: config.inCluster,
      defaultPaths: config.kubeconfigDefaultPaths,
      qps: config.kubeClientQps,
      burst: config.kubeClientBurst,
      requestTimeoutMs: config.kubeRequestTimeoutMs,
    });
  const metrics = createMetrics();
  const observers = new Map<string, ReturnType<typeof watchObserver>>();
  const watchObservers = (resource: string) => {
    let observer = observers.get(resource);
    if (!observer) {
      observer = watchObserver(metrics, resource);
      observers.set(resource, observer);
    }
    return observer;
  };
  if (config.metricsEnabled) {
    kube.transport.observeRequests((method, path, status, seconds) => {
      const labels = { verb: method.toLowerCase(), resource: resourceOf(path) };
      metrics.kubeRequests.inc({ ...labels, code: String(status) });
      metrics.kubeRequestDuration.observe(labels, seconds);
    });
  }
  // Before anything else touches the namespace: isolation's first pass, then the required ingress policy.
  const isolation = await startNetworkPolicies({
    kube,
    namespace: config.namespace,
    logger,
    networkIsolation: config.networkIsolation,
    requireIngressNetworkPolicy: config.requireIngressNetworkPolicy,
    orphanGraceMs: config.orphanGraceMs,
    instance: config.instance,
  });
  const db = openStackdDatabase(config.dbPath);
  const store = new StackStore(db);
  const ports = new PortAllocator({
    min: config.nodePortMin,
    max: config.nodePortMax,
    ...(inspect ? { inspect } : {}),
  });
  const effects = createStackEffects({
    kube,
    ports,
    nodeRole: config.nodeRole,
    instance: config.instance,
    logger,
    isolation,
  });
  const machine = provideStackEffects(effects, {
    now: Date.now,
    schedulingTimeoutMs: config.schedulingTimeoutMs,
  });
  const actors = new StackActors({
    machine,
    store,
    ports,
    logger,
    onStoreError: () => metrics.storeWriteErrors.inc({ table: "stack_records" }),
    ...(inspect ? { inspect } : {}),
  });
  actors.onUpdate(lifecycleLog(logger));
  actors.onUpdate((update) => {
    if (
      config.metricsEnabled &&
      update.kind === "changed" &&
      update.previousStatus === "creating" &&
      update.stack.status === "running"
    )
      metrics.timeToRunning.observe((update.at - Date.parse(update.stack.created_at)) / 1000);
  });
  const reads = new StackReads(actors, () => ports.leasedCount());
  const service = new StackService({
    actors,
    reads,
    ports,
    namespace: config.namespace,
    stackTtlMs: config.stackTtlMs,
    createDeadlineMs: config.schedulingTimeoutMs + createDeadlineSlackMs,
    deleteWaitMs,
    onCreateAnswered: (reason, seconds) => {
      if (!config.metricsEnabled) return;
      const result = reason === "created" ? "created" : "failed";
      metrics.creates.inc({ result, reason });
      metrics.createDuration.observe({ result }, seconds);
    },
  });
  const sync = new ClusterSync({
    kube,
    namespace: config.namespace,
    instance: config.instance,
    actors,
    ports,
    logger,
    orphanGraceMs: config.orphanGraceMs,
    reconcileIntervalMs: config.reconcileIntervalMs,
    onWatchHealth: (resource, health) => watchObservers(resource)(health),
  });
  const history = new EventHistory(db, { count: config.liveHistorySize, bytes: config.liveHistoryBytes });
  const feed = new ChangeFeed(actors, reads, history, logger, {
    onHistoryError: () => metrics.storeWriteErrors.inc({ table: "stack_events" }),
  });
  metrics.bind({
    stacksByStatus: () => reads.countByStatus(),
    nodePorts: () => ({ inUse: ports.leasedCount(), free: ports.freeCount() }),
    liveClients: () => feed.subscriberCount(),
  });

  const loaded = store.load();
  if (loaded.unreadable.length > 0)
    logger.warn("skipping stored stacks that no longer match the schema", { unreadable: loaded.unreadable });
  // The cluster is the durable truth: stacks whose records the database lost come back from their Services.
  const adopted = await adoptFromCluster(kube, config.namespace, config.instance, loaded.stacks);
  if (adopted.length > 0) {
    logger.warn("rebuilt stacks the database did not know from the cluster", {
      stacks: adopted.map((stack) => stack.stack_id),
    });
    for (const stack of adopted) store.save(stack);
  }
  const stacks = [...loaded.stacks, ...adopted];
  ports.sync(
    await sync.clusterNodePorts(),
    stacks.map((stack) => ({ port: stack.node_port, stackId: stack.stack_id })),
  );
  actors.restore(stacks);
  await sync.start();
  const isolationTimer = setInterval(() => {
    isolation.reconcile().catch((error: unknown) => logger.warn("network isolation pass failed", { error }));
  }, config.reconcileIntervalMs);
  logger.info("stackd ready", {
    restoredStacks: stacks.length,
    namespace: config.namespace,
    instance: config.instance,
  });

  const app = createApp({
    commands: service,
    queries: reads,
    logger,
    apiKeyEnabled: config.apiKeyEnabled,
    apiKey: config.apiKey,
    maxBodyBytes: config.maxBodyBytes,
    podPolicy: {
      ...defaultPodPolicy,
      ...config.podPolicy,
      maxActiveDeadlineSeconds: Math.floor(config.stackTtlMs / 1000),
    },
    live: {
      feed,
      heartbeatMs: config.liveHeartbeatMs,
      maxBufferedBytes: config.liveMaxBufferedBytes,
      onSlowClientDropped: () => metrics.liveClientsDropped.inc(),
    },
    ...(config.metricsEnabled
      ? { metrics: { registry: metrics.registry, requireKey: config.metricsRequireKey } }
      : {}),
    readiness: () =>
      readinessChecks({
        watches: sync.health(),
        storeProblem: actors.storeProblem(),
        nodePortsLearned: true,
      }),
  });
  let server: Server<unknown> | undefined;

  return {
    app,
    metrics,
    actors,
    reads,
    service,
    sync,
    ports,
    store,
    feed,
    /**
     * Starts serving HTTP on the configured address (port 0 picks a free one); throws a ListenError
     * naming the address when it is taken.
     */
    listen(port = config.http.port): Server<unknown> {
      const { hostname } = config.http;
      // Bun's own limit would answer an oversized Content-Length with an empty 413; stackd refuses it
      // itself, from the header and before reading the body, with the contract's 400 body.
      bindOrFail(hostname, port, () =>
        app.listen({ hostname, port, reusePort: false, maxRequestBodySize: Number.MAX_SAFE_INTEGER }),
      );
      server = app.server as Server<unknown>;
      logger.info("listening", { url: server.url.toString() });
      return server;
    },
    /** Stops accepting requests, waits for in-flight ones (up to the shutdown timeout), stops watches and actors. */
    async stop(): Promise<void> {
      const closing = server?.stop(false);
      await Promise.race([closing, Bun.sleep(config.shutdownTimeoutMs)]);
      await server?.stop(true);
      clearInterval(isolationTimer);
      await sync.stop();
      feed.stop();
      actors.stopAll();
      reads.stop();
      db.close();
    },
  };
}

export type Stackd = Awaited<ReturnType<typeof createStackd>>;

import type { Server } from "bun";
import type { Config } from "./config/config.ts";
import { createApp } from "./http/app.ts";
import type { InspectionObserver } from "./inspection.ts";
import { createKubeClient, type KubeClient } from "./kube/client.ts";
import { ChangeFeed } from "./live/change-feed.ts";
import type { Logger } from "./log/logger.ts";
import { PortAllocator } from "./ports/port-allocator.ts";
import { ClusterSync } from "./stacks/cluster-sync.ts";
import { createKubeEffects } from "./stacks/kube-effects.ts";
import { StackRegistry } from "./stacks/stack-registry.ts";
import { openDatabase } from "./store/database.ts";
import { EventHistory } from "./store/event-history.ts";
import { StackStore } from "./store/stack-store.ts";

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
  const { logger } = dependencies;
  const kube =
    dependencies.kube ??
    createKubeClient({
      ...(config.kubeconfigPath ? { kubeconfigPath: config.kubeconfigPath } : {}),
      ...(config.kubeContext ? { context: config.kubeContext } : {}),
      inCluster: config.inCluster,
      qps: config.kubeClientQps,
      burst: config.kubeClientBurst,
    });
  const db = openDatabase(config.dbPath);
  const store = new StackStore(db);
  const inspect = dependencies.inspect;
  const ports = new PortAllocator({
    min: config.nodePortMin,
    max: config.nodePortMax,
    store,
    ...(inspect ? { inspect } : {}),
  });
  const effects = createKubeEffects({ kube, ports, nodeRole: config.nodeRole, logger });
  const registry = new StackRegistry({
    namespace: config.namespace,
    stackTtlMs: config.stackTtlMs,
    schedulingTimeoutMs: config.schedulingTimeoutMs,
    store,
    ports,
    effects,
    logger,
    ...(inspect ? { inspect } : {}),
  });
  const sync = new ClusterSync({
    kube,
    namespace: config.namespace,
    registry,
    ports,
    logger,
    orphanGraceMs: config.orphanGraceMs,
    reconcileIntervalMs: config.reconcileIntervalMs,
  });

  const feed = new ChangeFeed(registry, new EventHistory(db, config.liveHistorySize), logger);
  ports.sync(await sync.clusterNodePorts());
  const restored = registry.restore();
  await sync.start();
  logger.info("stackd ready", { restoredStacks: restored, namespace: config.namespace });

  const app = createApp({
    registry,
    logger,
    apiKeyEnabled: config.apiKeyEnabled,
    apiKey: config.apiKey,
    maxBodyBytes: config.maxBodyBytes,
    live: { feed, heartbeatMs: config.liveHeartbeatMs, maxBufferedBytes: config.liveMaxBufferedBytes },
  });
  let server: Server<unknown> | undefined;

  return {
    app,
    registry,
    sync,
    ports,
    store,
    feed,
    /** Starts serving HTTP on the configured address (port 0 picks a free one). */
    listen(port = config.http.port): Server<unknown> {
      app.listen({ hostname: config.http.hostname, port, maxRequestBodySize: config.maxBodyBytes * 4 });
      server = app.server as Server<unknown>;
      logger.info("listening", { url: server.url.toString() });
      return server;
    },
    /** Stops accepting requests, waits for in-flight ones (up to the shutdown timeout), stops watches and actors. */
    async stop(): Promise<void> {
      const closing = server?.stop(false);
      await Promise.race([closing, Bun.sleep(config.shutdownTimeoutMs)]);
      await server?.stop(true);
      await sync.stop();
      feed.stop();
      registry.stopAll();
      db.close();
    },
  };
}

export type Stackd = Awaited<ReturnType<typeof createStackd>>;

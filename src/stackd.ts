import type { Server } from "bun";
import { type InstanceLists, startReadingInstanceLists } from "./cluster/instance-lists.ts";
import { checkRuntimeClass } from "./cluster/runtime-class.ts";
import { ActingRole, IsolationWhenActing } from "./composition/acting-role.ts";
import { createObservability } from "./composition/observability.ts";
import { buildStackCore } from "./composition/stack-core.ts";
import { stackdApp } from "./composition/stackd-app.ts";
import type { Config } from "./config/config.ts";
import { checkExposureReady } from "./exposure/exposure-startup.ts";
import { httpServer } from "./http/http-server.ts";
import type { HeldAddress } from "./http/listen.ts";
import type { InspectionObserver } from "./inspection.ts";
import { type ApiKeys, openApiKeys } from "./keys/api-keys.ts";
import { type KubeClient, kubeClientFromConfig } from "./kube/client.ts";
import { fencedClient, instanceLease } from "./leadership/instance-lease.ts";
import { leadershipStatus, leads } from "./leadership/leadership-role.ts";
import type { Logger } from "./log/logger.ts";
import { lockDatabase, openStackdDatabase } from "./store/database.ts";

export interface StackdDependencies {
  logger: Logger;
  /** A ready client (tests); otherwise built from the configuration. */
  kube?: KubeClient;
  /**
   * Without leader election: the instance's lists, already started (main starts them before it loads
   * this module); otherwise started here.
   */
  instanceLists?: Promise<InstanceLists>;
  /**
   * The HTTP address main holds while stackd loads: served by stackd's app (answering 503 until the
   * start is done) from before the restore, instead of after it (then `listen()` is not called).
   */
  heldAddress?: HeldAddress;
  inspect?: InspectionObserver;
  /** The API's keys, already read (main reads them first, to fail early); otherwise read here. */
  apiKeys?: ApiKeys | null;
  /**
   * This process lost its Lease (a renew found another holder, or a replica's renew deadline passed) and
   * has stopped acting. The process should exit (a new one starts afresh); by default only the log says so.
   */
  onLeadershipLost?: () => void;
}

/**
 * The composition root: takes the instance's Lease (a single stackd holds it alone; replicas elect a
 * leader on it) and locks the database, builds the stack core and the HTTP app, then acts: a single
 * stackd restores at once, a replica when it leads. `listen()` serves it; `stop()` shuts down cleanly.
 */
export async function createStackd(config: Config, dependencies: StackdDependencies) {
  const { logger, inspect } = dependencies;
  // First: a key file that cannot be read stops the start before anything else is taken.
  const apiKeys = dependencies.apiKeys === undefined ? openApiKeys(config, logger) : dependencies.apiKeys;
  const replicated = config.leaderElection.enabled;
  const given = dependencies.kube ?? kubeClientFromConfig(config);
  const kube = fencedClient(given, () => elector.fenceReason());
  const observability = createObservability(config.metricsEnabled);
  observability.observeKubeRequests(kube.transport);
  // A single stackd's restore reads these; started before anything else, as they take longest.
  const instanceLists = replicated
    ? undefined
    : (dependencies.instanceLists ?? startReadingInstanceLists(given, config.namespace, config.instance));
  const isolation = new IsolationWhenActing();
  const role = new ActingRole({ config, kube, logger, metrics: observability.metrics, isolation });
  const elector = instanceLease(config, kube, logger, {
    takeOver: () => role.takeOver(core),
    stoppedLeading: () => {
      role.stopActing(core);
      dependencies.onLeadershipLost?.();
    },
  });
  // Locked before the instance is taken: a second process on the same file fails at once.
  const databaseLock = lockDatabase(config.dbPath);
  if (!replicated)
    await elector.held().catch(async (error: unknown) => {
      databaseLock.release();
      await elector.stop();
      throw error;
    });
  const db = openStackdDatabase(config.dbPath);
  await Promise.all([
    checkExposureReady(config.exposure, kube.transport, config.namespace),
    checkRuntimeClass(kube.transport, config.runtimeClassName),
  ]).catch(async (error: unknown) => {
    db.close();
    databaseLock.release();
    await elector.stop();
    throw error;
  });
  await role.prepareNetwork();
  const mayWrite = () => elector.fenceReason();
  const core = buildStackCore({ config, kube, db, logger, observability, inspect, mayWrite, isolation });
  if (replicated) {
    await core.sync.start();
    elector.start();
    logger.info("stackd ready as a replica; waiting for the leader lease", {
      namespace: config.namespace,
      instance: config.instance,
      lease: `${config.leaderElection.namespace}/${config.leaderElection.name}`,
      identity: config.leaderElection.identity,
    });
  }
  const isActing = () => role.isActing();
  const leadership = () =>
    leadershipStatus({
      elected: replicated,
      holdsLease: elector.isLeading(),
      acting: role.isActing(),
      leader: elector.leader()?.identity ?? null,
    });
  observability.metrics.bindLeadership(() => leads(leadership().role));
  /** False until this function returns: till then the app answers 503 (see heldAddress). */
  let started = false;
  const starting = () => !started;
  const { metrics } = observability;
  const keys = apiKeys?.ring ?? null;
  const app = stackdApp({ config, core, elector, metrics, logger, keys, leadership, isActing, starting });
  const server = httpServer(app, {
    hostname: config.http.hostname,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    logger,
  });
  // The held address becomes the real server before the restore, answering 503 until it is done:
  // a request that arrives while the restore keeps the process busy waits, and is not refused.
  if (dependencies.heldAddress) {
    dependencies.heldAddress.release();
    server.listen(dependencies.heldAddress.port);
  }
  // Everything above ran while the API server was answering the lists; most starts wait here.
  if (instanceLists) await role.actAlone(core, instanceLists);
  started = true;
  return {
    app,
    metrics,
    ...core,
    elector,
    /** True while this process runs the stack actors (it leads, or there is no leader election). */
    isActing,
    /**
     * Starts serving HTTP on the configured address (port 0 picks a free one); throws a ListenError
     * naming the address when it is taken.
     */
    listen(port = config.http.port): Server<unknown> {
      return server.listen(port);
    },
    /** Stops accepting requests, waits for in-flight ones (up to the shutdown timeout), stops watches and actors. */
    async stop(): Promise<void> {
      await server.stop();
      apiKeys?.stop();
      role.stop();
      await core.exposureKeeper?.stop();
      await elector.stop();
      await core.sync.stop();
      await core.batchDeletes.stop();
      core.feed.stop();
      core.actors.stopAll();
      core.reads.stop();
      db.close();
      databaseLock.release();
    },
  };
}

export type Stackd = Awaited<ReturnType<typeof createStackd>>;

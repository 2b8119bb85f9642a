import type { Server } from "bun";
import type { Config } from "./config/config.ts";
import { createApp } from "./http/app.ts";
import { bindOrFail, type HeldAddress } from "./http/listen.ts";
import type { InspectionObserver } from "./inspection.ts";
import { BatchDeletes, deleteThrough } from "./jobs/batch-deletes.ts";
import { type KubeClient, kubeClientFromConfig } from "./kube/client.ts";
import { ForwardingSignatures } from "./leadership/forwarding-signature.ts";
import { type LeadershipStatus, leadershipStatus } from "./leadership/leadership-role.ts";
import { LeaseElector } from "./leadership/lease-elector.ts";
import { committedStack, readYourWrites } from "./leadership/read-your-writes.ts";
import { takeOverFromView } from "./leadership/takeover.ts";
import { UpdateRelay } from "./leadership/update-relay.ts";
import { createWriteForwarder } from "./leadership/write-forwarding.ts";
import { ChangeFeed } from "./live/change-feed.ts";
import type { Logger } from "./log/logger.ts";
import { createMetrics, resourceOf, watchObserver } from "./metrics/metrics.ts";
import { defaultPodPolicy } from "./podspec/pod-policy.ts";
import { PortAllocator } from "./ports/port-allocator.ts";
import type { NodeLookup } from "./stacks/cluster-records.ts";
import { ClusterSync } from "./stacks/cluster-sync.ts";
import { ClusterView } from "./stacks/cluster-view.ts";
import { type InstanceLists, startReadingInstanceLists } from "./stacks/instance-lists.ts";
import { lifecycleLog } from "./stacks/lifecycle-log.ts";
import type { NetworkIsolation } from "./stacks/network-isolation-reconciler.ts";
import { checkIngressPolicy } from "./stacks/network-policy.ts";
import { startNetworkPolicies } from "./stacks/network-startup.ts";
import { readinessChecks } from "./stacks/readiness.ts";
import { restoreAlone } from "./stacks/restore-alone.ts";
import { StackActors, type StackUpdate } from "./stacks/stack-actors.ts";
import { stackAdoption } from "./stacks/stack-adoption.ts";
import { createStackEffects, provideStackEffects } from "./stacks/stack-effects.ts";
import { StackReads } from "./stacks/stack-reads.ts";
import { StackService } from "./stacks/stack-service.ts";
import { TtlExtensions } from "./stacks/ttl-extensions.ts";
import { BatchDeleteStore } from "./store/batch-delete-store.ts";
import { lockDatabase, openStackdDatabase } from "./store/database.ts";
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
  /**
   * Leader election only: this replica could not renew its lease in time and has stopped acting.
   * The process should exit (a new one starts as a follower); by default only the log says so.
   */
  onLeadershipLost?: () => void;
}

/**
 * The composition root: opens the database, restores the actors, reconciles with the cluster,
 * starts the watches, and builds the HTTP app. `listen()` serves it; `stop()` shuts down cleanly.
 */
export async function createStackd(config: Config, dependencies: StackdDependencies) {
  const { logger, inspect } = dependencies;
  const given = dependencies.kube ?? kubeClientFromConfig(config);
  // Every write of this process asks the instance's Lease first: a process that does not hold it (or no
  // longer does, say after a SIGSTOP past its renew deadline) writes nothing but its Lease.
  const kube: KubeClient = {
    ...given,
    transport: given.transport.withWriteFence((method, path) =>
      method === "GET" || path.startsWith("/apis/coordination.k8s.io/") ? null : elector.fenceReason(),
    ),
  };
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
  const replicated = config.leaderElection.enabled;
  // A single stackd's restore reads these; started before anything else, as they take longest.
  const instanceLists = replicated
    ? undefined
    : (dependencies.instanceLists ?? startReadingInstanceLists(given, config.namespace, config.instance));
  // Before any write: the instance's Lease. A single stackd holds it alone (a second process on the same
  // instance is refused); replicas elect their leader on it.
  const elector = instanceLease(config, kube, logger, {
    takeOver: () => takeOver(),
    stoppedLeading: () => stoppedLeading(),
  });
  // The database is locked before the instance is taken: a second process on the same file fails at once.
  const databaseLock = lockDatabase(config.dbPath);
  if (!replicated)
    await elector.held().catch(async (error: unknown) => {
      databaseLock.release();
      await elector.stop();
      throw error;
    });
  const db = openStackdDatabase(config.dbPath);
  const networkStartup = {
    kube,
    namespace: config.namespace,
    logger,
    networkIsolation: config.networkIsolation,
    requireIngressNetworkPolicy: config.requireIngressNetworkPolicy,
    orphanGraceMs: config.orphanGraceMs,
    instance: config.instance,
  };
  // Before anything else touches the namespace: isolation's first pass, then the required ingress policy.
  // With leader election only the leader writes: a follower checks the required policy and waits.
  let isolation: NetworkIsolation | undefined = replicated
    ? undefined
    : await startNetworkPolicies(networkStartup);
  if (replicated && config.requireIngressNetworkPolicy && !config.networkIsolation)
    await checkIngressPolicy(kube, config.namespace);
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
    // The one place a stack's writes ask leadership first (the transport's fence backs it up).
    mayWrite: () => elector.fenceReason(),
    isolation: {
      ensureStackIngressPolicy: (...args) =>
        isolation?.ensureStackIngressPolicy(...args) ?? Promise.resolve(),
      removeStackIngressPolicy: (...args) =>
        isolation?.removeStackIngressPolicy(...args) ?? Promise.resolve(),
    },
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
  if (config.metricsEnabled) actors.onUpdate(timeToRunningObserver(metrics));
  // A follower's reads and live stream come from its cluster view, the leader's from its actors.
  const nodeLookup: NodeLookup = {
    has: (name: string) => sync.nodes.has(name),
    externalIp: (name: string | null | undefined) => sync.nodes.externalIp(name),
  };
  const view: ClusterView | undefined = replicated ? new ClusterView(nodeLookup) : undefined;
  const updates = new UpdateRelay(view ?? actors);
  const reads = new StackReads(updates, () => ports.leasedCount());
  const service = new StackService({
    actors,
    reads,
    ports,
    namespace: config.namespace,
    stackTtlMs: config.stackTtlMs,
    createDeadlineMs: config.schedulingTimeoutMs + createDeadlineSlackMs,
    deleteWaitMs,
    // With replicas the cluster holds each record (the Service is the commit point); SQLite is a cache.
    recordsAreInCluster: replicated,
    onCreateAnswered: (reason, seconds) => {
      if (!config.metricsEnabled) return;
      const result = reason === "created" ? "created" : "failed";
      metrics.creates.inc({ result, reason });
      metrics.createDuration.observe({ result }, seconds);
    },
  });
  const ttl = new TtlExtensions({
    actors,
    reads,
    defaultTtlMs: config.stackTtlMs,
    limits: config.lifetime,
  });
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
    onWatchHealth: (resource, health) => watchObservers(resource)(health),
    adoptService: stackAdoption({ actors, ports, nodes: nodeLookup, logger }),
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

  let isolationTimer: ReturnType<typeof setInterval> | undefined;
  const startIsolationPasses = () => {
    isolationTimer = setInterval(() => {
      isolation
        ?.reconcile()
        .catch((error: unknown) => logger.warn("network isolation pass failed", { error }));
    }, config.reconcileIntervalMs);
  };
  const clusterNodePortsFailed = (error: unknown) =>
    logger.warn("cannot list the cluster's NodePorts; a create that picks a taken one retries", { error });
  /** Teaches the port allocator every NodePort the cluster's other Services hold, in the background. */
  const learnClusterNodePorts = () =>
    void sync.clusterNodePorts().then((taken) => ports.markTaken(taken), clusterNodePortsFailed);
  /** True once this replica runs the actors: always without leader election, after takeover with it. */
  let acting = false;

  /** The leader takes over from its cluster view: every stack the cluster holds, nothing from SQLite. */
  const takeOver = async () => {
    const started = performance.now();
    try {
      isolation = await startNetworkPolicies(networkStartup);
      const networkPoliciesMs = Math.round(performance.now() - started);
      if (!view) throw new Error("no cluster view to take over from");
      const taken = takeOverFromView({
        view,
        store,
        ports,
        actors,
        clusterNodePorts: () => sync.clusterNodePorts(),
        onClusterPortsFailed: clusterNodePortsFailed,
      });
      updates.follow(actors);
      sync.lead(actors);
      startIsolationPasses();
      acting = true;
      batchDeletes.resume();
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
  };
  /** This process lost its Lease: it stops acting at once, and its process exits. */
  const stoppedLeading = () => {
    acting = false;
    void batchDeletes.stop();
    clearInterval(isolationTimer);
    actors.stopAll();
    dependencies.onLeadershipLost?.();
  };

  if (replicated) {
    await sync.start();
    const leaderElection = config.leaderElection;
    elector.start();
    logger.info("stackd ready as a replica; waiting for the leader lease", {
      namespace: config.namespace,
      instance: config.instance,
      lease: `${leaderElection.namespace}/${leaderElection.name}`,
      identity: leaderElection.identity,
    });
  }

  const leadership = () =>
    leadershipStatus({
      elected: replicated,
      holdsLease: elector.isLeading(),
      acting,
      leader: elector.leader()?.identity ?? null,
    });
  /** False until this function returns: till then the app answers 503 (see heldAddress). */
  let started = false;
  const app = createApp({
    starting: () => !started,
    commands: service,
    queries: reads,
    ttl,
    batchDeletes,
    stackEnv: (stackId) => sync.stackEnv(stackId),
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
    ...forwardingBetweenReplicas(
      config,
      replicated ? elector : undefined,
      view,
      () => acting,
      leadership,
      logger,
    ),
    leadership,
    readiness: () =>
      readinessChecks({
        watches: sync.health(),
        storeProblem: actors.storeProblem(),
        nodePortsLearned: true,
      }),
  });
  let server: Server<unknown> | undefined;
  const listen = (port: number): Server<unknown> => {
    const { hostname } = config.http;
    // Bun's own limit would answer an oversized Content-Length with an empty 413; stackd refuses it
    // itself, from the header and before reading the body, with the contract's 400 body.
    bindOrFail(hostname, port, () =>
      app.listen({ hostname, port, reusePort: false, maxRequestBodySize: Number.MAX_SAFE_INTEGER }),
    );
    server = app.server as Server<unknown>;
    logger.info("listening", { url: server.url.toString() });
    return server;
  };
  // The held address becomes the real server before the restore, answering 503 until it is done:
  // a request that arrives while the restore keeps the process busy waits, and is not refused.
  if (dependencies.heldAddress) {
    dependencies.heldAddress.release();
    listen(dependencies.heldAddress.port);
  }

  // Without leader election (the lists exist only then).
  if (instanceLists) {
    // Everything above ran while the API server was answering the lists; most starts wait here.
    const restoreStarted = performance.now();
    const restored = await restoreAlone({
      lists: instanceLists,
      instance: config.instance,
      store,
      ports,
      actors,
      logger,
    });
    const watchesStarted = performance.now();
    await sync.start(restored.lists);
    // Only now: the list of every Service in the cluster is as big as the instance's own, and parsing it
    // during the restore would slow the restore down.
    learnClusterNodePorts();
    startIsolationPasses();
    acting = true;
    batchDeletes.resume();
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

  started = true;
  return {
    app,
    metrics,
    actors,
    reads,
    service,
    ttl,
    batchDeletes,
    sync,
    ports,
    store,
    feed,
    elector,
    view,
    /** True while this process runs the stack actors (it leads, or there is no leader election). */
    isActing: () => acting,
    /**
     * Starts serving HTTP on the configured address (port 0 picks a free one); throws a ListenError
     * naming the address when it is taken.
     */
    listen(port = config.http.port): Server<unknown> {
      return listen(port);
    },
    /** Stops accepting requests, waits for in-flight ones (up to the shutdown timeout), stops watches and actors. */
    async stop(): Promise<void> {
      const closing = server?.stop(false);
      await Promise.race([closing, Bun.sleep(config.shutdownTimeoutMs)]);
      await server?.stop(true);
      clearInterval(isolationTimer);
      await elector.stop();
      await sync.stop();
      await batchDeletes.stop();
      feed.stop();
      actors.stopAll();
      reads.stop();
      db.close();
      databaseLock.release();
    },
  };
}

/**
 * The instance's Lease: with leader election, the replicas' election; without, a single stackd's hold on
 * its instance (the same Lease, so a replica and a single stackd of one instance exclude each other too).
 */
function instanceLease(
  config: Config,
  kube: KubeClient,
  logger: Logger,
  hooks: { takeOver: () => Promise<void>; stoppedLeading: () => void },
): LeaseElector {
  const election = config.leaderElection;
  return new LeaseElector({
    transport: kube.transport,
    namespace: election.namespace,
    name: election.name,
    identity: election.identity,
    instance: config.instance,
    advertiseUrl: election.advertiseUrl,
    leaseDurationMs: election.leaseDurationMs,
    renewDeadlineMs: election.renewDeadlineMs,
    retryPeriodMs: election.retryPeriodMs,
    logger: logger.child({ component: election.enabled ? "leader-election" : "instance-lease" }),
    mode: election.enabled ? "replica" : "single",
    takeOver: hooks.takeOver,
    onStoppedLeading: hooks.stoppedLeading,
  });
}

/**
 * With leader election: the signature check of forwarded requests (the key is derived from the Lease's
 * uid, which every replica reads and no client can) and the forwarding of leader routes.
 */
function forwardingBetweenReplicas(
  config: Config,
  elector: LeaseElector | undefined,
  view: ClusterView | undefined,
  acting: () => boolean,
  leadership: () => LeadershipStatus,
  logger: Logger,
) {
  if (!elector || !view) return {};
  const forwarding = new ForwardingSignatures({
    secret: () => elector.leaseUid() || null,
    instance: config.instance,
  });
  return {
    forwarding,
    forwardWrite: writeForwarderFor(config, elector, view, acting, leadership, forwarding, logger),
  };
}

/** A client never waits for a forwarded request longer than the lease duration plus this. */
const forwardSlackMs = 3_000;

/** A follower's forwarding of writes to the leader the Lease names (never to itself). */
function writeForwarderFor(
  config: Config,
  elector: LeaseElector,
  view: ClusterView,
  acting: () => boolean,
  leadership: () => LeadershipStatus,
  signatures: ForwardingSignatures,
  logger: Logger,
) {
  return createWriteForwarder({
    handlesWrites: acting,
    leaderUrl: () => {
      const leader = elector.leader();
      return leader && leader.identity !== config.leaderElection.identity ? leader.url : null;
    },
    takingOver: () => leadership().role === "taking_over",
    leaderTerm: {
      current: () => elector.leaderTerm(),
      onChange: (listener) => elector.onLeaderTermChange(listener),
    },
    signatures,
    identity: config.leaderElection.identity,
    timeoutMs: Math.min(
      config.schedulingTimeoutMs + createDeadlineSlackMs + 5_000,
      config.leaderElection.leaseDurationMs + forwardSlackMs,
    ),
    caughtUp: readYourWrites(view),
    committedStack: committedStack(view),
    logger,
  });
}

/** Observes, for each stack that reaches running, the time since its create (a histogram). */
function timeToRunningObserver(metrics: ReturnType<typeof createMetrics>) {
  return (update: StackUpdate) => {
    if (
      update.kind !== "changed" ||
      update.previousStatus !== "creating" ||
      update.stack.status !== "running"
    )
      return;
    metrics.timeToRunning.observe((update.at - Date.parse(update.stack.created_at)) / 1000);
  };
}

export type Stackd = Awaited<ReturnType<typeof createStackd>>;

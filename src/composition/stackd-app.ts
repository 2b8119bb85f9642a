import type { Config } from "../config/config.ts";
import { createApp } from "../http/app.ts";
import type { KeyRing } from "../keys/key-ring.ts";
import type { LeadershipStatus } from "../leadership/leadership-role.ts";
import type { LeaseElector } from "../leadership/lease-elector.ts";
import { replicaForwarding } from "../leadership/replica-forwarding.ts";
import type { Logger } from "../log/logger.ts";
import { defaultPodPolicy } from "../podspec/pod-policy.ts";
import { readinessChecks } from "../stacks/readiness.ts";
import type { Metrics } from "./observability.ts";
import { createDeadlineSlackMs, type StackCore } from "./stack-core.ts";

export interface StackdAppParts {
  config: Config;
  core: StackCore;
  elector: LeaseElector;
  metrics: Metrics;
  logger: Logger;
  /** The keys the API accepts; null when auth is off. */
  keys: KeyRing | null;
  leadership: () => LeadershipStatus;
  isActing: () => boolean;
  /** True until the start is done: the app answers 503 meanwhile. */
  starting: () => boolean;
}

/** The HTTP app over stackd's parts, as the configuration asks for it. */
export function stackdApp({
  config,
  core,
  elector,
  metrics,
  logger,
  keys,
  leadership,
  isActing,
  starting,
}: StackdAppParts) {
  return createApp({
    starting,
    commands: core.service,
    queries: core.reads,
    ttl: core.ttl,
    batchDeletes: core.batchDeletes,
    stackEnv: (stackId) => core.sync.stackEnv(stackId),
    console: { diagnostics: core.diagnostics, nodes: core.nodeView },
    logger,
    keys,
    maxBodyBytes: config.maxBodyBytes,
    podPolicy: {
      ...defaultPodPolicy,
      ...config.podPolicy,
      maxActiveDeadlineSeconds: Math.floor(config.stackTtlMs / 1000),
    },
    live: {
      feed: core.feed,
      heartbeatMs: config.liveHeartbeatMs,
      maxBufferedBytes: config.liveMaxBufferedBytes,
      onSlowClientDropped: () => metrics.liveClientsDropped.inc(),
    },
    ...(config.metricsEnabled
      ? { metrics: { registry: metrics.registry, requireKey: config.metricsRequireKey } }
      : {}),
    ...replicaForwarding({
      config,
      elector: config.leaderElection.enabled ? elector : undefined,
      view: core.view,
      acting: isActing,
      leadership,
      createDeadlineMs: config.schedulingTimeoutMs + createDeadlineSlackMs,
      logger,
    }),
    leadership,
    readiness: () =>
      readinessChecks({
        watches: core.sync.health(),
        storeProblem: core.actors.storeProblem(),
        nodePortsLearned: true,
      }),
  });
}

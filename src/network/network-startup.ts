import type { KubeClient } from "../kube/client.ts";
import { toKubeApiError } from "../kube/errors.ts";
import type { Logger } from "../log/logger.ts";
import type { EdgePeers } from "./network-isolation.ts";
import { namespacePolicyName } from "./network-isolation.ts";
import { type IsolationReport, NetworkIsolation } from "./network-isolation-reconciler.ts";
import { checkIngressPolicy } from "./network-policy.ts";

export interface NetworkStartupOptions {
  kube: KubeClient;
  namespace: string;
  logger: Logger;
  /** Config.networkIsolation (STACK_NETWORK_ISOLATION). */
  networkIsolation: boolean;
  /** Config.requireIngressNetworkPolicy (STACK_REQUIRE_INGRESS_NETWORK_POLICY). */
  requireIngressNetworkPolicy: boolean;
  /** Config.orphanGraceMs: per-stack policies without a Service are deleted after it. */
  orphanGraceMs: number;
  /** Config.instance (STACKD_INSTANCE). */
  instance?: string;
  /** Config.exposure.edgePeers: the only source of a routed stack's ingress. */
  edgePeers?: EdgePeers | null;
}

/** STACK_NETWORK_ISOLATION=on but its namespace-wide policy could not be put in place: stackd does not start. */
export class NetworkIsolationStartupError extends Error {
  override readonly name = "NetworkIsolationStartupError";
  readonly code = "NETWORK_ISOLATION_UNAVAILABLE";
  readonly namespace: string;
  readonly variable = "STACK_NETWORK_ISOLATION";

  constructor(namespace: string, reason: string, cause?: unknown) {
    super(
      `STACK_NETWORK_ISOLATION is on but NetworkPolicy ${namespacePolicyName} in namespace "${namespace}" ` +
        `could not be applied (${reason}); grant stackd the Role of deploy/rbac.yaml ` +
        "or set STACK_NETWORK_ISOLATION=off",
      cause === undefined ? undefined : { cause },
    );
    this.namespace = namespace;
  }
}

async function firstPass(isolation: NetworkIsolation, namespace: string): Promise<IsolationReport> {
  let report: IsolationReport;
  try {
    report = await isolation.reconcile();
  } catch (error) {
    const failure = toKubeApiError(error);
    if (failure.status === 0 || !isolation.enabled) throw failure;
    throw new NetworkIsolationStartupError(namespace, failure.message, failure);
  }
  const namespaceWide = report.failed.find((failure) => failure.name === namespacePolicyName);
  if (isolation.enabled && namespaceWide)
    throw new NetworkIsolationStartupError(namespace, namespaceWide.error);
  return report;
}

/**
 * The network part of start-up, in the order that matters: the first isolation pass (with isolation
 * on, its namespace-wide policy is itself an Ingress policy), then the ingress-policy requirement.
 * Returns the NetworkIsolation whose `reconcile` runs on every sweep tick and whose
 * `ensureStackIngressPolicy` / `removeStackIngressPolicy` the stack effects call.
 */
export async function startNetworkPolicies(options: NetworkStartupOptions): Promise<NetworkIsolation> {
  const { kube, namespace, logger } = options;
  const isolation = new NetworkIsolation({
    kube,
    namespace,
    logger: logger.child({ component: "network-isolation" }),
    enabled: options.networkIsolation,
    orphanGraceMs: options.orphanGraceMs,
    ...(options.instance ? { instance: options.instance } : {}),
    edgePeers: options.edgePeers ?? null,
  });
  await firstPass(isolation, namespace);
  if (options.requireIngressNetworkPolicy) await checkIngressPolicy(kube, namespace);
  return isolation;
}

import type { V1NetworkPolicy, V1Service } from "@kubernetes/client-node";
import { instanceSelector, ownedByInstance } from "../cluster/instance-scope.ts";
import { decodeService } from "../cluster/record-codec.ts";
import { stackLabels } from "../cluster/stack-resources.ts";
import { defaultInstance } from "../config/config.ts";
import { isRouted } from "../exposure/stack-exposure.ts";
import type { KubeClient } from "../kube/client.ts";
import { toKubeApiError } from "../kube/errors.ts";
import {
  type ApplyOutcome,
  applyNetworkPolicy,
  deleteNetworkPolicy,
  listNetworkPolicies,
} from "../kube/network-policies.ts";
import type { Logger } from "../log/logger.ts";
import { readApiServerAddresses, type ServiceRef } from "./api-server-addresses.ts";
import {
  type EdgePeers,
  type ExposedPort,
  isolationSelector,
  namespaceIsolationPolicy,
  stackIngressPolicy,
  stackIngressPolicyName,
} from "./network-isolation.ts";

export interface NetworkIsolationOptions {
  kube: KubeClient;
  namespace: string;
  logger: Logger;
  /** STACK_NETWORK_ISOLATION; when off, the first reconcile removes what an earlier "on" left. */
  enabled: boolean;
  /** STACKD_INSTANCE: per-stack policies of other instances are never touched. */
  instance?: string;
  /** A per-stack policy whose Service is gone is deleted once it is older than this (as orphans are). */
  orphanGraceMs: number;
  now?: () => number;
  /** Where the API server's endpoints are read (tests point it elsewhere). */
  apiServerService?: ServiceRef;
  /** The edge's pods: the only source a stack reached through the edge admits (null: from anywhere). */
  edgePeers?: EdgePeers | null;
}

/** What one reconcile did, by policy name. */
export interface IsolationReport {
  created: string[];
  replaced: string[];
  deleted: string[];
  failed: Array<{ name: string; error: string }>;
}

const emptyReport = (): IsolationReport => ({ created: [], replaced: [], deleted: [], failed: [] });

/** The ports a stackd Service exposes; its stack's pod listens on them (port = targetPort). */
function exposedPorts(service: V1Service): ExposedPort[] {
  return (service.spec?.ports ?? []).map((port) => ({
    port: port.port,
    protocol: port.protocol === "UDP" ? "UDP" : "TCP",
  }));
}

const stackIdOf = (object: { metadata?: { labels?: Record<string, string> } }) =>
  object.metadata?.labels?.[stackLabels.stackId];

/**
 * Keeps STACK_NETWORK_ISOLATION's NetworkPolicies in the stack namespace, level-based: one
 * namespace-wide policy (no ingress, egress to DNS and public addresses only) and one ingress
 * policy per stack, derived from the stack's Service, so a changed policy is replaced and a
 * deleted one comes back on the next reconcile. Reconciles never overlap.
 */
export class NetworkIsolation {
  #options: NetworkIsolationOptions;
  #now: () => number;
  #running: Promise<IsolationReport> | undefined;
  #retired = false;
  #lastGaps = "";

  get #instance(): string {
    return this.#options.instance ?? defaultInstance;
  }

  constructor(options: NetworkIsolationOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.#options.enabled;
  }

  /**
   * Creates or repairs one stack's ingress policy (its exposed ports); a no-op while isolation is off.
   * One request for a new stack (create first; an existing policy costs a read and maybe a replace).
   */
  async ensureStackIngressPolicy(stackId: string, ports: ExposedPort[], routed = false): Promise<void> {
    if (!this.enabled) return;
    const { kube, namespace } = this.#options;
    const desired = stackIngressPolicy(namespace, stackId, ports, this.#instance, this.#edgeFor(routed));
    await applyNetworkPolicy(kube.transport, namespace, desired, null);
  }

  /** The sources a stack's ingress admits: the edge's pods for a routed stack, when they are named. */
  #edgeFor(routed: boolean): EdgePeers | null {
    return routed ? (this.#options.edgePeers ?? null) : null;
  }

  /** Deletes one stack's ingress policy (NotFound is success); a no-op while isolation is off. */
  async removeStackIngressPolicy(stackId: string): Promise<void> {
    if (!this.enabled) return;
    await deleteNetworkPolicy(
      this.#options.kube.transport,
      this.#options.namespace,
      stackIngressPolicyName(stackId),
    );
  }

  /** One pass: on start and on every sweep tick. A call during a pass gets that pass's report. */
  reconcile(): Promise<IsolationReport> {
    this.#running ??= (this.enabled ? this.#apply() : this.#retire()).finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #apply(): Promise<IsolationReport> {
    const { kube, namespace, apiServerService } = this.#options;
    const apiServer = await readApiServerAddresses(kube.transport, apiServerService);
    this.#logGaps(apiServer.gaps);
    const [services, policies] = await Promise.all([
      kube.transport.send<{ items: V1Service[] }>("GET", `/api/v1/namespaces/${namespace}/services`, {
        query: { labelSelector: instanceSelector(this.#instance) },
      }),
      listNetworkPolicies(kube.transport, namespace, isolationSelector),
    ]);
    // Per-stack allowances first: when isolation is first turned on, no running stack is left
    // without ingress while the namespace-wide policy is already in place.
    const desired = [
      ...services.items
        .filter(
          (service) =>
            stackIdOf(service) &&
            !service.metadata?.deletionTimestamp &&
            ownedByInstance(this.#instance, service),
        )
        .map((service) =>
          stackIngressPolicy(
            namespace,
            stackIdOf(service) ?? "",
            exposedPorts(service),
            this.#instance,
            this.#edgeFor(isRouted(decodeService(service)?.durable.exposure)),
          ),
        ),
      namespaceIsolationPolicy(namespace, apiServer.addresses),
    ];
    const report = emptyReport();
    const current = new Map(policies.map((policy) => [policy.metadata?.name ?? "", policy]));
    for (const policy of desired) {
      const name = policy.metadata?.name ?? "";
      await this.#attempt(report, name, async () => {
        const outcome = await applyNetworkPolicy(
          kube.transport,
          namespace,
          policy,
          current.get(name) ?? null,
        );
        this.#record(report, name, outcome);
      });
    }
    const wanted = new Set(desired.map((policy) => policy.metadata?.name));
    await this.#deleteAll(
      report,
      policies.filter((policy) => !wanted.has(policy.metadata?.name) && this.#isOrphan(policy)),
    );
    return report;
  }

  /** A per-stack policy with no Service, not being deleted, older than the grace. */
  #isOrphan(policy: V1NetworkPolicy): boolean {
    const created = new Date(policy.metadata?.creationTimestamp ?? 0).getTime();
    return (
      Boolean(stackIdOf(policy)) &&
      ownedByInstance(this.#instance, policy) &&
      !policy.metadata?.deletionTimestamp &&
      created <= this.#now() - this.#options.orphanGraceMs
    );
  }

  /** Isolation off: removes, once, the policies an earlier run with isolation on left behind. */
  async #retire(): Promise<IsolationReport> {
    const report = emptyReport();
    if (this.#retired) return report;
    const { kube, namespace, logger } = this.#options;
    let leftovers: V1NetworkPolicy[];
    try {
      leftovers = await listNetworkPolicies(kube.transport, namespace, isolationSelector);
    } catch (error) {
      const failure = toKubeApiError(error);
      if (failure.status !== 403) throw failure;
      logger.info(
        "cannot list NetworkPolicies; policies of an earlier STACK_NETWORK_ISOLATION=on, if any, stay",
        {
          namespace,
          error: failure.message,
        },
      );
      leftovers = [];
    }
    await this.#deleteAll(report, leftovers);
    this.#retired = true;
    return report;
  }

  async #deleteAll(report: IsolationReport, policies: V1NetworkPolicy[]): Promise<void> {
    const { kube, namespace } = this.#options;
    for (const policy of policies) {
      const name = policy.metadata?.name ?? "";
      await this.#attempt(report, name, async () => {
        await deleteNetworkPolicy(kube.transport, namespace, name);
        this.#record(report, name, "deleted");
      });
    }
  }

  async #attempt(report: IsolationReport, name: string, action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      const message = toKubeApiError(error).message;
      report.failed.push({ name, error: message });
      this.#options.logger.warn("network isolation: cannot reconcile NetworkPolicy", {
        name,
        error: message,
      });
    }
  }

  #record(report: IsolationReport, name: string, outcome: ApplyOutcome | "deleted"): void {
    if (outcome === "unchanged") return;
    report[outcome].push(name);
    this.#options.logger.info(`network isolation: ${outcome} NetworkPolicy`, {
      name,
      namespace: this.#options.namespace,
    });
  }

  /** Logs what the egress policy cannot cover about the API server, when that changes (not every tick). */
  #logGaps(gaps: string[]): void {
    const text = gaps.join("; ");
    if (text === this.#lastGaps) return;
    this.#lastGaps = text;
    if (gaps.length > 0) {
      this.#options.logger.warn(
        "network isolation: stacks are kept from the API server only as far as known",
        {
          gaps,
        },
      );
    } else this.#options.logger.info("network isolation: every known API server address is excluded");
  }
}

import type { V1Pod, V1Service } from "@kubernetes/client-node";
import type { PodFacts } from "../../machines/stack.types.ts";
import { type DecidedStatus, decideStatus, type StatusFacts } from "../../machines/stack-status.ts";
import { endpointsOf } from "../exposure/endpoints.ts";
import { publicAddressOf, type StackPortRecord, type StoredStack } from "../stacks/stack-record.ts";
import { podFacts } from "./pod-facts.ts";
import { type DurableRecord, decodeService, type TerminalRecord } from "./record-codec.ts";
import { stackLabels } from "./stack-resources.ts";

export const stackIdOf = (object: { metadata?: { labels?: Record<string, string> } }) =>
  object.metadata?.labels?.[stackLabels.stackId];

/** What a stack's record needs of the nodes: whether one exists, and its ExternalIP. */
export interface NodeLookup {
  has(name: string): boolean;
  externalIp(name: string | null | undefined): string | null;
}

/** What the cluster says of a stack's Pod right now: its facts and whether its node still exists. */
export interface PodState {
  facts: PodFacts;
  nodePublicIp: string | null;
  nodeDeleted: boolean;
}

/**
 * The facts of the one status rule (machines/stack-status.ts) as the cluster shows them: a Service
 * being deleted is a stack being torn down, its terminal record is the end it reached, then its Pod.
 * Only the leader's actor knows more (a create still rolling back).
 */
export function clusterStatusFacts(
  deleting: boolean,
  terminal: TerminalRecord | undefined,
  pod: PodState | undefined,
): StatusFacts {
  return {
    ending: deleting ? "teardown" : null,
    end: terminal ? { status: terminal.status, reason: terminal.reason } : undefined,
    pod: pod?.facts,
    nodeDeleted: pod?.nodeDeleted ?? false,
  };
}

/** A stack's status as the cluster shows it, by the one status rule. */
export const statusFromCluster = (...facts: Parameters<typeof clusterStatusFacts>): DecidedStatus =>
  decideStatus(clusterStatusFacts(...facts));

/**
 * The record's ports with the port each is reached on: the NodePort the Service holds for it (matched by
 * port and protocol); for a stack exposed otherwise, the host port or the edge's port its record keeps.
 */
function portsOf(service: V1Service, record: DurableRecord): StackPortRecord[] {
  const servicePorts = service.spec?.ports ?? [];
  const protocolOf = (protocol: string | undefined) => (protocol === "UDP" ? "UDP" : "TCP");
  const declared =
    record.ports ??
    (record.target_port === undefined
      ? []
      : [{ container_port: record.target_port, protocol: protocolOf(servicePorts[0]?.protocol) }]);
  const { exposure } = record;
  return declared.map((port, index) => ({
    ...port,
    node_port: exposure
      ? (exposure.public_port ?? exposure.host_ports?.[index] ?? 0)
      : (servicePorts.find(
          (candidate) =>
            candidate.port === port.container_port && protocolOf(candidate.protocol) === port.protocol,
        )?.nodePort ?? 0),
  }));
}

/**
 * A stack rebuilt from its Service's record annotation and the state of its Pod; undefined for a
 * Service that is not a stack's (no stack id, or no readable record). Such stacks count as
 * acknowledged: a Service is created only at the end of a create (its commit point).
 */
export function stackFromService(
  service: V1Service,
  pod: PodState | undefined,
  now: number,
): StoredStack | undefined {
  const stackId = stackIdOf(service);
  const decoded = decodeService(service);
  if (!stackId || !decoded) return undefined;
  const { durable, terminal } = decoded;
  const ports = portsOf(service, durable);
  const { status, reason } = statusFromCluster(Boolean(service.metadata?.deletionTimestamp), terminal, pod);
  const { ports: _ports, labels, target_port: targetPort, ttl_expires_at: _recorded, ...fixed } = durable;
  const { pod_spec, created_at, requested_cpu_milli, requested_memory_bytes, ...added } = fixed;
  return {
    stack_id: stackId,
    pod_id: stackId,
    namespace: service.metadata?.namespace ?? "",
    node_id: pod?.facts.nodeName ?? "",
    node_public_ip: publicAddressOf(durable.exposure, pod?.nodePublicIp ?? null),
    pod_spec,
    ...(targetPort === undefined ? {} : { target_port: targetPort, node_port: ports[0]?.node_port ?? 0 }),
    service_name: service.metadata?.name ?? `svc-${stackId}`,
    status,
    status_reason: reason,
    ttl_expires_at: decoded.ttlExpiresAt,
    created_at,
    updated_at: new Date(now).toISOString(),
    requested_cpu_milli,
    requested_memory_bytes,
    ports,
    labels: labels ?? {},
    endpoints: endpointsOf({ exposure: durable.exposure, ports, nodePublicIp: pod?.nodePublicIp ?? null }),
    acknowledged: true,
    // A durable field added to the codec's list is copied as it is.
    ...added,
  };
}

/**
 * Stacks that exist in the cluster but not in the database (it was lost, deleted or replaced), rebuilt
 * from their Services' record annotation and their Pods. A Service that is being deleted is skipped:
 * its stack is already ending.
 */
export function stacksFromCluster(
  services: V1Service[],
  pods: V1Pod[],
  known: Set<string>,
  now: number,
  nodes: NodeLookup,
): StoredStack[] {
  const podByStack = new Map(pods.map((pod) => [stackIdOf(pod), pod]));
  const rebuilt: StoredStack[] = [];
  for (const service of services) {
    const stackId = stackIdOf(service);
    if (!stackId || known.has(stackId) || service.metadata?.deletionTimestamp) continue;
    const pod = podByStack.get(stackId);
    const stack = stackFromService(service, pod ? podStateOf(pod, nodes) : undefined, now);
    if (stack) rebuilt.push(stack);
  }
  return rebuilt;
}

/** The Pod's facts with its node's address, and whether that node is gone. */
export function podStateOf(pod: V1Pod, nodes: NodeLookup): PodState {
  const facts = podFacts(pod);
  return {
    facts,
    nodePublicIp: nodes.externalIp(facts.nodeName),
    nodeDeleted: facts.nodeName !== null && !nodes.has(facts.nodeName),
  };
}

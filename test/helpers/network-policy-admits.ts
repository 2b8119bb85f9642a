import type { ManifestObject } from "./deploy.ts";

type Labels = Record<string, string>;

interface LabelSelector {
  matchLabels?: Labels;
  matchExpressions?: Array<{ key: string; operator: string; values?: string[] }>;
}

interface Peer {
  podSelector?: LabelSelector;
  namespaceSelector?: LabelSelector;
  ipBlock?: unknown;
}

interface IngressRule {
  from?: Peer[];
  ports?: Array<{ port?: number | string; protocol?: string; endPort?: number }>;
}

/** A pod that sends or receives traffic: its namespace (name and labels as stored) and its own labels. */
export interface PolicyPod {
  namespace: { name: string; labels: Labels };
  labels: Labels;
}

/** Whether a label selector selects `labels`, as the API server defines it (an empty selector selects all). */
export function selects(selector: LabelSelector, labels: Labels): boolean {
  const matched = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  return (
    matched &&
    (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
      const value = labels[key];
      if (operator === "In") return value !== undefined && values.includes(value);
      if (operator === "NotIn") return value === undefined || !values.includes(value);
      if (operator === "Exists") return value !== undefined;
      if (operator === "DoesNotExist") return value === undefined;
      throw new Error(`unknown operator ${operator}`);
    })
  );
}

function peerAdmits(peer: Peer, source: PolicyPod, policyNamespace: string): boolean {
  if (peer.ipBlock) return false;
  const namespaceMatches = peer.namespaceSelector
    ? selects(peer.namespaceSelector, source.namespace.labels)
    : source.namespace.name === policyNamespace;
  return namespaceMatches && (!peer.podSelector || selects(peer.podSelector, source.labels));
}

/**
 * Whether one NetworkPolicy's ingress rules admit TCP from `source` to a pod it selects on `port`, a
 * container port by its number and name, as a CNI that implements NetworkPolicy would read them (no
 * ipBlock: this is for pod-to-pod traffic). Kubernetes itself only stores policies; this lets a test state
 * what a stored one means.
 */
export function admitsIngress(
  policy: ManifestObject,
  source: PolicyPod,
  port: { number: number; name: string },
): boolean {
  const rules: IngressRule[] = policy.spec.ingress ?? [];
  const namespace = policy.metadata.namespace ?? "";
  return rules.some((rule) => {
    const fromOk =
      !rule.from || rule.from.length === 0 || rule.from.some((peer) => peerAdmits(peer, source, namespace));
    const portOk =
      !rule.ports ||
      rule.ports.length === 0 ||
      rule.ports.some(
        (allowed) =>
          (allowed.protocol ?? "TCP") === "TCP" &&
          (allowed.port === undefined || allowed.port === port.number || allowed.port === port.name),
      );
    return fromOk && portOk;
  });
}

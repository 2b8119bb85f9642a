import { BlockList, isIPv4, isIPv6 } from "node:net";
import type { V1NetworkPolicy } from "@kubernetes/client-node";
import { labelsFor, stackLabels } from "../cluster/stack-resources.ts";
import { defaultInstance } from "../config/config.ts";

/** Ranges a stack may not reach: RFC 1918, shared CGNAT space, link-local (with the metadata service). */
export const privateIpv4Ranges = [
  "10.0.0.0/8",
  "172.16.0.0/12",
  "192.168.0.0/16",
  "100.64.0.0/10",
  "169.254.0.0/16",
] as const;

/** IPv6 unique-local (as used) and link-local ranges. */
export const privateIpv6Ranges = ["fd00::/8", "fe80::/10"] as const;

/** The cluster DNS that stacks may still query: kube-system's kube-dns pods on port 53. */
export const clusterDns = {
  namespace: "kube-system",
  podLabels: { "k8s-app": "kube-dns" },
  port: 53,
} as const;

/** The label that every NetworkPolicy of STACK_NETWORK_ISOLATION carries, besides managed-by=stackd. */
export const isolationComponent = { key: "app.kubernetes.io/component", value: "network-isolation" } as const;

export const isolationSelector = `${stackLabels.managedBy}=stackd,${isolationComponent.key}=${isolationComponent.value}`;

export const namespacePolicyName = "stackd-isolation";

/** The per-stack ingress policy is named after its stack, like its Service (`svc-<id>`). */
export const stackIngressPolicyName = (stackId: string) => `ingress-${stackId}`;

export interface ExposedPort {
  port: number;
  protocol: "TCP" | "UDP";
}

function rangesList(): BlockList {
  const list = new BlockList();
  for (const range of privateIpv4Ranges) {
    const [address = "", prefix] = range.split("/");
    list.addSubnet(address, Number(prefix), "ipv4");
  }
  for (const range of privateIpv6Ranges) {
    const [address = "", prefix] = range.split("/");
    list.addSubnet(address, Number(prefix), "ipv6");
  }
  list.addSubnet("127.0.0.0", 8, "ipv4");
  list.addAddress("::1", "ipv6");
  return list;
}

const alreadyExcluded = rangesList();

/**
 * The egress exceptions of the public-internet rule: the private ranges, plus each address in
 * `apiServerAddresses` that they do not already cover (as /32 or /128). Loopback addresses are
 * skipped: from a pod they name the pod itself.
 */
export function egressExceptions(apiServerAddresses: readonly string[]): { ipv4: string[]; ipv6: string[] } {
  const extra = (family: "ipv4" | "ipv6", is: (ip: string) => boolean, bits: number) =>
    [...new Set(apiServerAddresses.filter(is))]
      .filter((ip) => !alreadyExcluded.check(ip, family))
      .sort()
      .map((ip) => `${ip}/${bits}`);
  return {
    ipv4: [...privateIpv4Ranges, ...extra("ipv4", isIPv4, 32)],
    ipv6: [...privateIpv6Ranges, ...extra("ipv6", isIPv6, 128)],
  };
}

/**
 * The namespace-wide policy for every stack pod: no ingress (the per-stack policies allow each
 * stack's own ports), and egress only to cluster DNS and to public addresses, that is, not to other
 * pods, nodes' private addresses, the metadata service or the API server.
 */
export function namespaceIsolationPolicy(
  namespace: string,
  apiServerAddresses: readonly string[],
): V1NetworkPolicy {
  const except = egressExceptions(apiServerAddresses);
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: {
      name: namespacePolicyName,
      namespace,
      labels: { [stackLabels.managedBy]: "stackd", [isolationComponent.key]: isolationComponent.value },
    },
    spec: {
      podSelector: { matchLabels: { [stackLabels.managedBy]: "stackd" } },
      policyTypes: ["Ingress", "Egress"],
      egress: [
        {
          to: [
            {
              namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": clusterDns.namespace } },
              podSelector: { matchLabels: { ...clusterDns.podLabels } },
            },
          ],
          ports: [
            { protocol: "UDP", port: clusterDns.port },
            { protocol: "TCP", port: clusterDns.port },
          ],
        },
        {
          to: [
            { ipBlock: { cidr: "0.0.0.0/0", except: except.ipv4 } },
            { ipBlock: { cidr: "::/0", except: except.ipv6 } },
          ],
        },
      ],
    },
  };
}

/** The pods of the shared TLS edge (a Gateway's data plane, or stackd's HAProxy): STACK_EDGE_NAMESPACE and STACK_EDGE_POD_LABELS. */
export interface EdgePeers {
  namespace: string;
  podLabels: Record<string, string>;
}

/**
 * One stack's ingress: its exposed ports. From any source (no `from`) for a stack players reach on a
 * NodePort or host port, since they arrive from anywhere and some CNIs do not match node or SNAT
 * sources with an ipBlock; only from the edge's pods for a stack reached through the edge (`edge`),
 * so that no other stack, and no player, reaches it around the edge.
 */
export function stackIngressPolicy(
  namespace: string,
  stackId: string,
  ports: readonly ExposedPort[],
  instance: string = defaultInstance,
  edge: EdgePeers | null = null,
): V1NetworkPolicy {
  return {
    apiVersion: "networking.k8s.io/v1",
    kind: "NetworkPolicy",
    metadata: {
      name: stackIngressPolicyName(stackId),
      namespace,
      labels: { ...labelsFor(stackId, instance), [isolationComponent.key]: isolationComponent.value },
    },
    spec: {
      podSelector: { matchLabels: { [stackLabels.managedBy]: "stackd", [stackLabels.stackId]: stackId } },
      policyTypes: ["Ingress"],
      ingress: [
        {
          ...(edge
            ? {
                from: [
                  {
                    namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": edge.namespace } },
                    podSelector: { matchLabels: { ...edge.podLabels } },
                  },
                ],
              }
            : {}),
          ports: ports.map(({ port, protocol }) => ({ protocol, port })),
        },
      ],
    },
  };
}

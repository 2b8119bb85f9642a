import { parse } from "yaml";
import { type EndpointPort, endpointsOf } from "../exposure/endpoints.ts";

/** The protocol of the container port `port` in a stored pod spec (TCP when it cannot tell). */
function protocolIn(podSpec: unknown, port: unknown): "TCP" | "UDP" {
  try {
    const pod = parse(String(podSpec)) as {
      spec?: { containers?: Array<{ ports?: Array<{ containerPort?: number; protocol?: string }> }> };
    };
    const declared = (pod.spec?.containers ?? []).flatMap((container) => container.ports ?? []);
    return declared.find((candidate) => candidate.containerPort === port)?.protocol === "UDP" ? "UDP" : "TCP";
  } catch {
    return "TCP";
  }
}

/**
 * A stored record brought to today's schema: one written before stacks had `ports` and `labels` gets
 * its one port (target_port on node_port, with the protocol its pod spec declares) and no labels; one
 * written before `endpoints` gets them, derived from the rest. Anything else is returned as it is, for
 * the schema check to judge.
 */
export function upgradeStoredRecord(record: unknown): unknown {
  const withPorts = withPortList(record);
  if (typeof withPorts !== "object" || withPorts === null || "endpoints" in withPorts) return withPorts;
  const stored = withPorts as Record<string, unknown>;
  if (!Array.isArray(stored.ports)) return withPorts;
  const nodePublicIp = typeof stored.node_public_ip === "string" ? stored.node_public_ip : null;
  return {
    ...stored,
    endpoints: endpointsOf({ ports: stored.ports as EndpointPort[], nodePublicIp }),
  };
}

function withPortList(record: unknown): unknown {
  if (typeof record !== "object" || record === null || "ports" in record) return record;
  const legacy = record as Record<string, unknown>;
  if (typeof legacy.target_port !== "number" || typeof legacy.node_port !== "number") return record;
  return {
    ...legacy,
    ports: [
      {
        container_port: legacy.target_port,
        protocol: protocolIn(legacy.pod_spec, legacy.target_port),
        node_port: legacy.node_port,
      },
    ],
    labels: {},
  };
}

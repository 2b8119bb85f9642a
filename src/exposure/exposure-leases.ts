import type { StackExposure, StackPort } from "../../machines/stack.types.ts";
import { AppError, noHostPortAvailable, noPortAvailable } from "../errors/app-error.ts";
import type { ExposureConfig } from "./exposure-config.ts";
import { newSlug } from "./stack-exposure.ts";

/** What a new stack is given to be reached by: the port of each exposed port, and how (none for NodePorts). */
export interface ExposureLease {
  /** The NodePort, host port or edge port of each exposed port, in port order. */
  nodePorts: number[];
  exposure?: StackExposure;
}

/** The (node, port) leases of host ports: where a hostport stack goes, and on which ports. */
export interface HostPortLeases {
  lease(
    stackId: string,
    ports: ReadonlyArray<Pick<StackPort, "protocol">>,
    candidateNodes: readonly string[],
  ): { node: string; hostPorts: number[] } | null;
  release(stackId: string): void;
}

/** What a create leases before its actor starts, and what a stack that ended gives back. */
export interface ExposureLeases {
  /** Leases what the stack needs to be reached, or throws the 503 that says what ran out. */
  lease(stackId: string, ports: readonly StackPort[]): ExposureLease;
  release(stackId: string): void;
}

export interface ExposureLeaseParts {
  config: ExposureConfig;
  nodePorts: { lease(stackId: string, count: number): number[] | null; release(stackId: string): void };
  hostPorts: HostPortLeases;
  /** The nodes a hostport stack may be placed on (ready, schedulable, of the stack role). */
  stackNodes: () => readonly string[];
  slug?: () => string;
}

/** The leases of STACK_EXPOSURE's mode: NodePorts, a hostname under the edge's domain, or host ports on a node. */
export function exposureLeases({
  config,
  nodePorts,
  hostPorts,
  stackNodes,
  slug = newSlug,
}: ExposureLeaseParts): ExposureLeases {
  const release = (stackId: string) => {
    // A stack made under another mode (STACK_EXPOSURE changed since) may hold either kind.
    nodePorts.release(stackId);
    hostPorts.release(stackId);
  };
  switch (config.mode) {
    case "nodeport":
      return {
        lease(stackId, ports) {
          const leased = nodePorts.lease(stackId, ports.length);
          if (leased === null) throw noPortAvailable();
          return { nodePorts: leased };
        },
        release,
      };
    case "gateway":
    case "edge": {
      const { mode, domain, publicPort } = config;
      return {
        lease(_stackId, ports) {
          const udp = ports.findIndex((port) => port.protocol === "UDP");
          if (udp >= 0)
            throw new AppError(
              "INVALID_TARGET_PORT",
              `invalid target_port: target_port[${udp}] is UDP, which the TLS edge cannot carry (STACK_EXPOSURE=${mode}); ask the operator for STACK_EXPOSURE=hostport`,
            );
          // 65 random bits: a clash among even millions of live stacks is not worth a lookup.
          return {
            nodePorts: ports.map(() => publicPort),
            exposure: { mode, hostname: `${slug()}.${domain}`, public_port: publicPort },
          };
        },
        release,
      };
    }
    case "hostport":
      return {
        lease(stackId, ports) {
          const placed = hostPorts.lease(stackId, ports, stackNodes());
          if (placed === null) throw noHostPortAvailable();
          return {
            nodePorts: placed.hostPorts,
            exposure: { mode: "hostport", node: placed.node, host_ports: placed.hostPorts },
          };
        },
        release,
      };
  }
}

/** NodePort leases alone (STACK_EXPOSURE=nodeport, the default). */
export const nodePortExposure = (nodePorts: ExposureLeaseParts["nodePorts"]): ExposureLeases =>
  exposureLeases({
    config: {
      mode: "nodeport",
      domain: "",
      publicPort: 443,
      gateway: null,
      edge: null,
      edgePeers: null,
      hostPortMin: 1,
      hostPortMax: 1,
    },
    nodePorts,
    hostPorts: { lease: () => null, release: () => undefined },
    stackNodes: () => [],
  });

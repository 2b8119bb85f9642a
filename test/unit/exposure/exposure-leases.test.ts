import { describe, expect, it } from "bun:test";
import type { StackPort } from "../../../machines/stack.types.ts";
import { AppError } from "../../../src/errors/app-error.ts";
import { type ExposureConfig, exposureConfig } from "../../../src/exposure/exposure-config.ts";
import { exposureLeases, type HostPortLeases } from "../../../src/exposure/exposure-leases.ts";

const tcp: StackPort = { containerPort: 25565, protocol: "TCP" };
const udp: StackPort = { containerPort: 27015, protocol: "UDP" };

/** NodePorts handed out from 30000 up to `limit`, each lease and release recorded. */
function fakeNodePorts(limit = 30001) {
  let next = 30000;
  const released: string[] = [];
  return {
    released,
    lease: (_stackId: string, count: number) => {
      if (next + count - 1 > limit) return null;
      const ports = Array.from({ length: count }, (_, index) => next + index);
      next += count;
      return ports;
    },
    release: (stackId: string) => void released.push(stackId),
  };
}

function fakeHostPorts(placement: { node: string; hostPorts: number[] } | null) {
  const asked: Array<{ stackId: string; protocols: string[]; candidates: readonly string[] }> = [];
  const released: string[] = [];
  const hostPorts: HostPortLeases = {
    lease: (stackId, ports, candidates) => {
      asked.push({ stackId, protocols: ports.map((port) => port.protocol), candidates });
      return placement;
    },
    release: (stackId) => void released.push(stackId),
  };
  return { hostPorts, asked, released };
}

function leasesOf(
  config: ExposureConfig,
  options: { nodePortLimit?: number; placement?: { node: string; hostPorts: number[] } | null } = {},
) {
  const nodePorts = fakeNodePorts(options.nodePortLimit);
  const host = fakeHostPorts(options.placement ?? null);
  const leases = exposureLeases({
    config,
    nodePorts,
    hostPorts: host.hostPorts,
    stackNodes: () => ["node-a", "node-b"],
    slug: () => "k3x9q2mzt7b4a",
  });
  return { leases, nodePorts, host };
}

function thrown(act: () => unknown): AppError {
  try {
    act();
  } catch (error) {
    if (error instanceof AppError) return error;
    throw error;
  }
  throw new Error("expected an AppError");
}

const gatewayConfig = exposureConfig({
  STACK_EXPOSURE: "gateway",
  STACK_EXPOSURE_DOMAIN: "inst.example.org",
  STACK_GATEWAY: "edge/shared",
});
const edgeConfig = exposureConfig({ STACK_EXPOSURE: "edge", STACK_EXPOSURE_DOMAIN: "inst.example.org" });

describe("exposureLeases: nodeport", () => {
  it("leases one NodePort per port and no exposure", () => {
    const { leases } = leasesOf(exposureConfig({}));
    expect(leases.lease("s1", [tcp, udp])).toEqual({ nodePorts: [30000, 30001] });
  });

  it("answers 503 no available nodeport when the range is spent", () => {
    const { leases } = leasesOf(exposureConfig({}), { nodePortLimit: 30000 });
    leases.lease("s1", [tcp]);
    const error = thrown(() => leases.lease("s2", [tcp]));
    expect([error.status, error.message]).toEqual([503, "no available nodeport"]);
  });
});

describe.each([
  ["gateway", gatewayConfig],
  ["edge", edgeConfig],
] as const)("exposureLeases: %s", (mode, config) => {
  it("gives the stack a hostname under the domain and the public port as each port's", () => {
    const { leases } = leasesOf(config);
    expect(leases.lease("s1", [tcp, { containerPort: 8080, protocol: "TCP", appProtocol: "http" }])).toEqual({
      nodePorts: [443, 443],
      exposure: { mode, hostname: "k3x9q2mzt7b4a.inst.example.org", public_port: 443 },
    });
  });

  it("refuses a UDP port with 400 invalid target_port, naming it", () => {
    const { leases } = leasesOf(config);
    const error = thrown(() => leases.lease("s1", [tcp, udp]));
    expect(error.status).toBe(400);
    expect(error.message).toStartWith("invalid target_port: target_port[1] is UDP");
    expect(error.message).toContain(`STACK_EXPOSURE=${mode}`);
  });
});

describe("exposureLeases: hostport", () => {
  const hostport = exposureConfig({ STACK_EXPOSURE: "hostport" });

  it("places the stack on a node of the stack role and keeps node and host ports in the exposure", () => {
    const { leases, host } = leasesOf(hostport, { placement: { node: "node-b", hostPorts: [20000, 20001] } });
    expect(leases.lease("s1", [tcp, udp])).toEqual({
      nodePorts: [20000, 20001],
      exposure: { mode: "hostport", node: "node-b", host_ports: [20000, 20001] },
    });
    expect(host.asked).toEqual([
      { stackId: "s1", protocols: ["TCP", "UDP"], candidates: ["node-a", "node-b"] },
    ]);
  });

  it("answers 503 no available host port when no node has the ports free", () => {
    const { leases } = leasesOf(hostport, { placement: null });
    const error = thrown(() => leases.lease("s1", [tcp]));
    expect([error.status, error.code, error.message]).toEqual([
      503,
      "NO_HOST_PORT_AVAILABLE",
      "no available host port",
    ]);
  });

  it("releases both kinds of lease, whatever mode made the stack", () => {
    const { leases, nodePorts, host } = leasesOf(hostport);
    leases.release("s1");
    expect([nodePorts.released, host.released]).toEqual([["s1"], ["s1"]]);
  });
});

import { describe, expect, it } from "bun:test";
import { addressOf, connectLinesOf, type StackSummary } from "../../../src/dashboard/format.ts";
import { sortValue } from "../../../src/dashboard/stack-view.ts";
import { dashboardStack } from "../../helpers/dashboard-stacks.ts";

const tcp = {
  protocol: "TCP",
  kind: "tcp",
  host: "198.51.100.2",
  port: 20001,
  connect: "nc 198.51.100.2 20001",
};
const withEndpoints = (endpoints: StackSummary["endpoints"]): StackSummary => ({
  ...dashboardStack(0),
  node_public_ip: "203.0.113.11",
  node_port: 31001,
  ports: [{ container_port: 80, protocol: "TCP", node_port: 31001 }],
  ...(endpoints ? { endpoints } : {}),
});

describe("the dashboard's addresses", () => {
  it("shows the first endpoint's host:port rather than the node's IP and NodePort", () => {
    expect(addressOf(withEndpoints([tcp]))).toBe("198.51.100.2:20001");
  });

  it("shows an edge stack's hostname and each port's protocol when there are several", () => {
    const tls = {
      protocol: "TCP",
      kind: "tls",
      host: "k3x9.inst.example.org",
      port: 443,
      connect: "ncat --ssl k3x9.inst.example.org 443",
    };
    const udp = {
      protocol: "UDP",
      kind: "udp",
      host: "198.51.100.2",
      port: 20002,
      connect: "nc -u 198.51.100.2 20002",
    };
    expect(addressOf(withEndpoints([tls]))).toBe("k3x9.inst.example.org:443");
    expect(addressOf(withEndpoints([tcp, udp]))).toBe("198.51.100.2:20001/tcp 198.51.100.2:20002/udp");
  });

  it("falls back to node_public_ip:node_port from a server without endpoints", () => {
    expect(addressOf(withEndpoints(undefined))).toBe("203.0.113.11:31001");
  });

  it("sorts by the endpoint's address", () => {
    expect(sortValue(withEndpoints([tcp]), "address")).toBe("198.51.100.2:20001");
    expect(sortValue(withEndpoints(undefined), "address")).toBe("203.0.113.11:31001");
  });

  it("lists the connect lines, leaving out a port whose host is not known yet", () => {
    const pending = { ...tcp, host: null, connect: null };
    expect(connectLinesOf(withEndpoints([tcp, pending]))).toEqual(["nc 198.51.100.2 20001"]);
    expect(connectLinesOf(withEndpoints(undefined))).toEqual([]);
  });
});

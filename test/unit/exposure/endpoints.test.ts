import { describe, expect, it } from "bun:test";
import { type EndpointPort, endpointsOf } from "../../../src/exposure/endpoints.ts";
import type { StackExposure } from "../../../src/exposure/stack-exposure.ts";

const tcp: EndpointPort = { container_port: 25565, protocol: "TCP", node_port: 30001 };
const http: EndpointPort = { container_port: 8080, protocol: "TCP", node_port: 30002, app_protocol: "http" };
const udp: EndpointPort = { container_port: 27015, protocol: "UDP", node_port: 30003 };

const routed = (mode: "gateway" | "edge", publicPort = 443): StackExposure => ({
  mode,
  hostname: "k3x9q2mzt7b4a.inst.example.org",
  public_port: publicPort,
});

describe("endpointsOf: nodeport and hostport stacks", () => {
  it.each([
    ["tcp", tcp, "nc 203.0.113.7 30001"],
    ["http", http, "http://203.0.113.7:30002/"],
    ["udp", udp, "nc -u 203.0.113.7 30003"],
  ] as const)("gives a %s port the node's address and its node port", (kind, port, connect) => {
    const [endpoint] = endpointsOf({ ports: [port], nodePublicIp: "203.0.113.7" });
    expect(endpoint).toEqual({
      protocol: port.protocol,
      kind,
      host: "203.0.113.7",
      port: port.node_port,
      connect,
    });
  });

  it("gives null host and connect while the node has no public IP", () => {
    expect(endpointsOf({ ports: [tcp, udp], nodePublicIp: null })).toEqual([
      { protocol: "TCP", kind: "tcp", host: null, port: 30001, connect: null },
      { protocol: "UDP", kind: "udp", host: null, port: 30003, connect: null },
    ]);
  });

  it("brackets an IPv6 address in URLs but not in nc lines", () => {
    const [web, game] = endpointsOf({ ports: [http, tcp], nodePublicIp: "2001:db8::7" });
    expect(web?.connect).toBe("http://[2001:db8::7]:30002/");
    expect(game?.connect).toBe("nc 2001:db8::7 30001");
  });

  it("uses a hostport stack's host ports and its node's address", () => {
    const exposure: StackExposure = { mode: "hostport", node: "node-a", host_ports: [20001] };
    const [endpoint] = endpointsOf({
      exposure,
      ports: [{ ...udp, node_port: 20001, name: "game" }],
      nodePublicIp: "198.51.100.2",
    });
    expect(endpoint).toEqual({
      port_name: "game",
      protocol: "UDP",
      kind: "udp",
      host: "198.51.100.2",
      port: 20001,
      connect: "nc -u 198.51.100.2 20001",
    });
  });

  it("gives null connect for a port not yet given a node port", () => {
    const [endpoint] = endpointsOf({ ports: [{ ...tcp, node_port: 0 }], nodePublicIp: "203.0.113.7" });
    expect(endpoint?.connect).toBeNull();
  });
});

describe("endpointsOf: gateway and edge stacks", () => {
  it.each(["gateway", "edge"] as const)("reaches a %s stack's TCP port with ncat --ssl on 443", (mode) => {
    const [endpoint] = endpointsOf({ exposure: routed(mode), ports: [tcp], nodePublicIp: "203.0.113.7" });
    expect(endpoint).toEqual({
      protocol: "TCP",
      kind: "tls",
      host: "k3x9q2mzt7b4a.inst.example.org",
      port: 443,
      connect: "ncat --ssl k3x9q2mzt7b4a.inst.example.org 443",
    });
  });

  it.each(["gateway", "edge"] as const)("reaches a %s stack's HTTP port by https URL", (mode) => {
    const [endpoint] = endpointsOf({ exposure: routed(mode), ports: [http], nodePublicIp: null });
    expect(endpoint?.kind).toBe("https");
    expect(endpoint?.connect).toBe("https://k3x9q2mzt7b4a.inst.example.org/");
  });

  it("names a public port other than 443", () => {
    const [game, web] = endpointsOf({
      exposure: routed("edge", 8443),
      ports: [tcp, http],
      nodePublicIp: null,
    });
    expect(game?.connect).toBe("ncat --ssl k3x9q2mzt7b4a.inst.example.org 8443");
    expect(web?.port).toBe(8443);
    expect(web?.connect).toBe("https://k3x9q2mzt7b4a-8080.inst.example.org:8443/");
  });

  it("gives each further port the hostname <label>-<port>.<domain>", () => {
    const endpoints = endpointsOf({ exposure: routed("gateway"), ports: [tcp, http], nodePublicIp: null });
    expect(endpoints.map((endpoint) => endpoint.host)).toEqual([
      "k3x9q2mzt7b4a.inst.example.org",
      "k3x9q2mzt7b4a-8080.inst.example.org",
    ]);
    expect(endpoints[1]?.connect).toBe("https://k3x9q2mzt7b4a-8080.inst.example.org/");
  });
});

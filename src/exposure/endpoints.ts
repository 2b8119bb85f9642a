import { type Static, Type } from "@sinclair/typebox";
import { isRouted, portHostnames, type StackExposure } from "./stack-exposure.ts";

/** What a player's client speaks to reach a port: plain TCP or UDP, TLS to the edge, HTTP or HTTPS. */
export const EndpointKind = Type.Union([
  Type.Literal("tcp"),
  Type.Literal("tls"),
  Type.Literal("http"),
  Type.Literal("https"),
  Type.Literal("udp"),
]);
export type EndpointKind = Static<typeof EndpointKind>;

/** One exposed port as a player reaches it. */
export const Endpoint = Type.Object({
  port_name: Type.Optional(Type.String({ description: "the container port's name, when it has one" })),
  protocol: Type.Union([Type.Literal("TCP"), Type.Literal("UDP")]),
  kind: EndpointKind,
  host: Type.Union([Type.String(), Type.Null()], {
    description: "the hostname or address to connect to; null while the stack's node has no public IP",
    examples: ["k3x9q2mzt7b4a.inst.example.org"],
  }),
  port: Type.Integer({ examples: [443] }),
  connect: Type.Union([Type.String(), Type.Null()], {
    description: "a line a player can paste; null while host is null",
    examples: ["ncat --ssl k3x9q2mzt7b4a.inst.example.org 443"],
  }),
});
export type Endpoint = Static<typeof Endpoint>;

/** An exposed port as the record lists it. */
export interface EndpointPort {
  container_port: number;
  protocol: "TCP" | "UDP";
  node_port: number;
  app_protocol?: "tcp" | "http" | undefined;
  name?: string | undefined;
}

/** What the endpoints of a stack are made of: its mode, its ports and the address of its node. */
export interface EndpointFacts {
  exposure?: StackExposure | undefined;
  ports: readonly EndpointPort[];
  /** The node's ExternalIP (nodeport and hostport stacks). */
  nodePublicIp: string | null;
}

/** `host:port` with an IPv6 address in brackets, as URLs want it. */
const hostForUrl = (host: string) => (host.includes(":") ? `[${host}]` : host);

/** The paste-able line of an endpoint: what a player types to reach it. */
export function connectLine(kind: EndpointKind, host: string, port: number): string {
  switch (kind) {
    case "tls":
      return `ncat --ssl ${host} ${port}`;
    case "https":
      return port === 443 ? `https://${hostForUrl(host)}/` : `https://${hostForUrl(host)}:${port}/`;
    case "http":
      return port === 80 ? `http://${hostForUrl(host)}/` : `http://${hostForUrl(host)}:${port}/`;
    case "udp":
      return `nc -u ${host} ${port}`;
    case "tcp":
      return `nc ${host} ${port}`;
  }
}

/** What a player's client speaks to a port: TLS or HTTPS through the edge, else plain TCP, UDP or HTTP. */
function kindOf(port: EndpointPort, routed: boolean): EndpointKind {
  const http = port.app_protocol === "http";
  if (routed) return http ? "https" : "tls";
  if (port.protocol === "UDP") return "udp";
  return http ? "http" : "tcp";
}

/** One endpoint per exposed port, in port order. */
export function endpointsOf({ exposure, ports, nodePublicIp }: EndpointFacts): Endpoint[] {
  const routed = isRouted(exposure) ? exposure : null;
  const hostnames = routed
    ? portHostnames(
        routed.hostname,
        ports.map((port) => port.container_port),
      )
    : [];
  return ports.map((port, index) => {
    const kind = kindOf(port, routed !== null);
    const host = routed ? (hostnames[index] ?? null) : nodePublicIp;
    const portNumber = routed ? routed.public_port : port.node_port;
    return {
      ...(port.name ? { port_name: port.name } : {}),
      protocol: port.protocol,
      kind,
      host,
      port: portNumber,
      connect: host === null || portNumber === 0 ? null : connectLine(kind, host, portNumber),
    };
  });
}

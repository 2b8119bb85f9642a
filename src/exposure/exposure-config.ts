import { type Static, Type } from "@sinclair/typebox";
import { ConfigError, type Env, integer, list, oneOf, read } from "../config/env-readers.ts";

export const exposureModes = ["nodeport", "gateway", "edge", "hostport"] as const;
export type ExposureMode = (typeof exposureModes)[number];

const Labels = Type.Record(Type.String(), Type.String());

/** STACK_EXPOSURE and the settings of its mode, read and checked once. */
export const ExposureConfigSchema = Type.Object({
  mode: Type.Union(exposureModes.map((mode) => Type.Literal(mode))),
  /** gateway, edge: stacks are `<random label>.<domain>`; the operator's wildcard DNS and certificate cover it. */
  domain: Type.String(),
  /** gateway, edge: the port players connect to on the edge (443). */
  publicPort: Type.Integer({ minimum: 1, maximum: 65535 }),
  gateway: Type.Union([
    Type.Object({
      namespace: Type.String({ minLength: 1 }),
      name: Type.String({ minLength: 1 }),
      tlsSection: Type.String({ minLength: 1 }),
      httpsSection: Type.String({ minLength: 1 }),
    }),
    Type.Null(),
  ]),
  edge: Type.Union([
    Type.Object({
      /** HAProxy runtime API addresses: `host:port` or `unix:/path`; every one is programmed. */
      runtimeApi: Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }),
      /** The map file HAProxy's configuration looks hostnames up in. */
      map: Type.String({ minLength: 1 }),
    }),
    Type.Null(),
  ]),
  /** gateway, edge: the edge's pods, the only ones a stack's ingress policy admits (null: not set). */
  edgePeers: Type.Union([
    Type.Object({ namespace: Type.String({ minLength: 1 }), podLabels: Labels }),
    Type.Null(),
  ]),
  hostPortMin: Type.Integer({ minimum: 1, maximum: 65535 }),
  hostPortMax: Type.Integer({ minimum: 1, maximum: 65535 }),
});
export type ExposureConfig = Static<typeof ExposureConfigSchema>;

/** A DNS label as Kubernetes and the Gateway API take it: lower case letters, digits and '-', at most 63. */
const dnsLabel = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * The longest a domain may be: a stack's port hostname is `<13-character label>-<port>.<domain>` and a
 * hostname has at most 253 characters.
 */
const maxDomainLength = 253 - "abcdefghijklm-65535.".length;

function domainOf(env: Env): string {
  const text = read(env, "STACK_EXPOSURE_DOMAIN", "").toLowerCase().replace(/\.$/, "");
  if (text === "")
    throw new ConfigError(
      "STACK_EXPOSURE_DOMAIN",
      "is required with STACK_EXPOSURE=gateway or edge: the domain under which every stack gets a hostname (a wildcard DNS record and certificate for *.<domain> are the operator's)",
    );
  if (text.length > maxDomainLength || !text.split(".").every((label) => dnsLabel.test(label)))
    throw new ConfigError(
      "STACK_EXPOSURE_DOMAIN",
      `must be a DNS name of at most ${maxDomainLength} characters (labels of letters, digits and '-'), got "${text}"`,
    );
  return text;
}

function gatewayOf(env: Env): NonNullable<ExposureConfig["gateway"]> {
  const text = read(env, "STACK_GATEWAY", "");
  const match = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/.exec(text);
  if (!match)
    throw new ConfigError(
      "STACK_GATEWAY",
      `must name the operator's Gateway as namespace/name with STACK_EXPOSURE=gateway, got "${text}"`,
    );
  return {
    namespace: match[1] as string,
    name: match[3] as string,
    tlsSection: read(env, "STACK_GATEWAY_TLS_SECTION", "tls"),
    httpsSection: read(env, "STACK_GATEWAY_HTTPS_SECTION", "https"),
  };
}

/** `key=value,key=value` into labels; a bad pair is refused, naming it. */
function labelsOf(env: Env, name: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of list(env, name)) {
    const [key, value, ...rest] = pair.split("=");
    if (!key || value === undefined || rest.length > 0)
      throw new ConfigError(name, `must be key=value pairs separated by commas, got "${pair}"`);
    labels[key.trim()] = value.trim();
  }
  return labels;
}

function edgePeersOf(env: Env): ExposureConfig["edgePeers"] {
  const namespace = read(env, "STACK_EDGE_NAMESPACE", "");
  const podLabels = labelsOf(env, "STACK_EDGE_POD_LABELS");
  if (namespace === "") {
    if (Object.keys(podLabels).length > 0)
      throw new ConfigError("STACK_EDGE_NAMESPACE", "is required when STACK_EDGE_POD_LABELS is set");
    return null;
  }
  return { namespace, podLabels };
}

function runtimeApiOf(env: Env): string[] {
  const addresses = list(env, "STACK_EDGE_RUNTIME_API");
  if (addresses.length === 0) return ["127.0.0.1:9999"];
  for (const address of addresses) {
    if (!/^unix:\/.+$/.test(address) && !/^(\[[0-9a-fA-F:]+\]|[^:\s/]+):\d{1,5}$/.test(address))
      throw new ConfigError(
        "STACK_EDGE_RUNTIME_API",
        `must list HAProxy runtime API addresses as host:port or unix:/path, got "${address}"`,
      );
  }
  return addresses;
}

/** Reads STACK_EXPOSURE and the settings its mode needs; the others keep their defaults and are unused. */
export function exposureConfig(env: Env): ExposureConfig {
  const mode = oneOf(env, "STACK_EXPOSURE", exposureModes, "nodeport");
  const routed = mode === "gateway" || mode === "edge";
  const hostPortMin = integer(env, "STACK_HOSTPORT_MIN", 20000, 1, 65535);
  const hostPortMax = integer(env, "STACK_HOSTPORT_MAX", 20999, 1, 65535);
  if (hostPortMax < hostPortMin)
    throw new ConfigError(
      "STACK_HOSTPORT_MAX",
      `must not be below STACK_HOSTPORT_MIN (${hostPortMin}), got ${hostPortMax}`,
    );
  return {
    mode,
    domain: routed ? domainOf(env) : "",
    publicPort: integer(env, "STACK_EXPOSURE_PORT", 443, 1, 65535),
    gateway: mode === "gateway" ? gatewayOf(env) : null,
    edge:
      mode === "edge"
        ? { runtimeApi: runtimeApiOf(env), map: read(env, "STACK_EDGE_MAP", "/etc/haproxy/stacks.map") }
        : null,
    edgePeers: routed ? edgePeersOf(env) : null,
    hostPortMin,
    hostPortMax,
  };
}

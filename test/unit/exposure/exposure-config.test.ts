import { describe, expect, it } from "bun:test";
import { ConfigError, type Env } from "../../../src/config/env-readers.ts";
import { exposureConfig } from "../../../src/exposure/exposure-config.ts";

function refusal(env: Env): ConfigError {
  try {
    exposureConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

const gateway = {
  STACK_EXPOSURE: "gateway",
  STACK_EXPOSURE_DOMAIN: "inst.example.org",
  STACK_GATEWAY: "edge/shared",
};
const edge = { STACK_EXPOSURE: "edge", STACK_EXPOSURE_DOMAIN: "inst.example.org" };

describe("exposureConfig", () => {
  it("defaults to NodePorts, 443 and host ports 20000-20999", () => {
    expect(exposureConfig({})).toEqual({
      mode: "nodeport",
      domain: "",
      publicPort: 443,
      gateway: null,
      edge: null,
      edgePeers: null,
      hostPortMin: 20000,
      hostPortMax: 20999,
    });
  });

  it("reads the gateway's settings, with the default listener sections and a trailing dot dropped", () => {
    const config = exposureConfig({ ...gateway, STACK_EXPOSURE_DOMAIN: "Inst.Example.org." });
    expect(config.domain).toBe("inst.example.org");
    expect(config.gateway).toEqual({
      namespace: "edge",
      name: "shared",
      tlsSection: "tls",
      httpsSection: "https",
    });
  });

  it("reads the edge's defaults and its peers", () => {
    const config = exposureConfig({
      ...edge,
      STACK_EDGE_NAMESPACE: "edge",
      STACK_EDGE_POD_LABELS: "app=haproxy, tier=edge",
    });
    expect(config.edge).toEqual({ runtimeApi: ["127.0.0.1:9999"], map: "/etc/haproxy/stacks.map" });
    expect(config.edgePeers).toEqual({ namespace: "edge", podLabels: { app: "haproxy", tier: "edge" } });
  });

  it("reads a hostport range", () => {
    const config = exposureConfig({
      STACK_EXPOSURE: "hostport",
      STACK_HOSTPORT_MIN: "7000",
      STACK_HOSTPORT_MAX: "7009",
    });
    expect([config.mode, config.hostPortMin, config.hostPortMax]).toEqual(["hostport", 7000, 7009]);
  });

  it.each([
    ["an unknown mode", { STACK_EXPOSURE: "ingress" }, "STACK_EXPOSURE", "must be one of"],
    [
      "a gateway without a domain",
      { ...gateway, STACK_EXPOSURE_DOMAIN: "" },
      "STACK_EXPOSURE_DOMAIN",
      "is required",
    ],
    ["an edge without a domain", { STACK_EXPOSURE: "edge" }, "STACK_EXPOSURE_DOMAIN", "is required"],
    [
      "a domain with a bad label",
      { ...edge, STACK_EXPOSURE_DOMAIN: "bad_label.example.org" },
      "STACK_EXPOSURE_DOMAIN",
      "must be a DNS name",
    ],
    [
      "a domain too long",
      { ...edge, STACK_EXPOSURE_DOMAIN: `${"a".repeat(60)}.`.repeat(4).concat("org") },
      "STACK_EXPOSURE_DOMAIN",
      "at most 233",
    ],
    [
      "a gateway without namespace/name",
      { ...gateway, STACK_GATEWAY: "shared" },
      "STACK_GATEWAY",
      "namespace/name",
    ],
    [
      "a gateway with upper case",
      { ...gateway, STACK_GATEWAY: "Edge/Shared" },
      "STACK_GATEWAY",
      '"Edge/Shared"',
    ],
    [
      "a runtime API without a port",
      { ...edge, STACK_EDGE_RUNTIME_API: "haproxy.edge" },
      "STACK_EDGE_RUNTIME_API",
      '"haproxy.edge"',
    ],
    [
      "a runtime API path without unix:",
      { ...edge, STACK_EDGE_RUNTIME_API: "/run/haproxy.sock" },
      "STACK_EDGE_RUNTIME_API",
      "host:port or unix:/path",
    ],
    [
      "edge pod labels without a namespace",
      { ...edge, STACK_EDGE_POD_LABELS: "app=haproxy" },
      "STACK_EDGE_NAMESPACE",
      "STACK_EDGE_POD_LABELS",
    ],
    [
      "edge pod labels not key=value",
      { ...edge, STACK_EDGE_NAMESPACE: "edge", STACK_EDGE_POD_LABELS: "haproxy" },
      "STACK_EDGE_POD_LABELS",
      '"haproxy"',
    ],
    [
      "a hostport range reversed",
      { STACK_EXPOSURE: "hostport", STACK_HOSTPORT_MIN: "7009", STACK_HOSTPORT_MAX: "7000" },
      "STACK_HOSTPORT_MAX",
      "STACK_HOSTPORT_MIN (7009)",
    ],
    ["a host port out of range", { STACK_HOSTPORT_MIN: "0" }, "STACK_HOSTPORT_MIN", "between 1 and 65535"],
  ] as const)("refuses %s, naming the variable", (_case, env, variable, says) => {
    const error = refusal(env);
    expect(error.variable).toBe(variable);
    expect(error.message).toStartWith(`${variable}: `);
    expect(error.message).toContain(says);
  });
});

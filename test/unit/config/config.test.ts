import { describe, expect, it } from "bun:test";
import { ConfigError, loadConfig, parseListenAddress } from "../../../src/config/config.ts";
import { formatGoDuration, maxGoDurationMs, parseGoDuration } from "../../../src/config/duration.ts";

const base = { API_KEY: "secret" };

function errorOf(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("parseGoDuration", () => {
  it.each([
    ["2h", 7_200_000],
    ["90s", 90_000],
    ["1h30m", 5_400_000],
    ["1.5h", 5_400_000],
    ["300ms", 300],
    ["0", 0],
    ["1m0.5s", 60_500],
  ])("reads %s", (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  it.each(["", "2", "2 hours", "h", "1x", "1h-30m", "1e3h", ".h", "1..5h"])("rejects %p", (text) => {
    expect(() => parseGoDuration(text)).toThrow("invalid duration");
  });

  it.each([
    ["597h", 597 * 3_600_000],
    ["1000h", 1000 * 3_600_000],
    ["720h", 720 * 3_600_000],
    ["2562047h", 2_562_047 * 3_600_000],
    ["9223372036854775807ns", maxGoDurationMs],
    ["2562047h47m16.854775807s", maxGoDurationMs],
    ["-9223372036854775808ns", -maxGoDurationMs],
    ["0000000000000000000000001h", 3_600_000],
    ["1.00000000000000000000000000001h", 3_600_000],
  ])("reads %s, up to Go's longest duration", (text, ms) => {
    expect(parseGoDuration(text)).toBe(ms);
  });

  it.each([
    "9223372036854775808ns",
    "2562048h",
    "100000000h",
    "99999999999999999999h",
    "2562047h47m16.854775808s",
    "1562047h1000001h",
    "-9223372036854775809ns",
  ])("refuses %p, which is longer than Go's longest duration", (text) => {
    expect(() => parseGoDuration(text)).toThrow(`invalid duration "${text}": longer than`);
  });

  it("formats like Go", () => {
    expect(formatGoDuration(7_200_000)).toBe("2h0m0s");
    expect(formatGoDuration(90_000)).toBe("1m30s");
    expect(formatGoDuration(500)).toBe("500ms");
  });
});

describe("loadConfig", () => {
  it("uses the reference service's defaults, except the measured client rate limit", () => {
    const config = loadConfig(base);
    expect(config.http).toEqual({ hostname: "0.0.0.0", port: 8081 });
    expect(config.apiKeyEnabled).toBe(true);
    expect(config.namespace).toBe("stacks");
    expect(config.stackTtlMs).toBe(2 * 3_600_000);
    expect(config.nodePortMin).toBe(31001);
    expect(config.nodePortMax).toBe(32767);
    expect(config.nodeRole).toBe("stack");
    expect(config.schedulingTimeoutMs).toBe(20_000);
    expect(config.shutdownTimeoutMs).toBe(10_000);
    // The reference's 20 / 40 make a 500-create burst take 48 s; README "Choosing the client rate limit".
    expect(config.kubeClientQps).toBe(200);
    expect(config.kubeClientBurst).toBe(400);
    expect(config.dbPath).toBe("./data/stackd.db");
    expect(config.requireIngressNetworkPolicy).toBe(true);
    expect(config.networkIsolation).toBe(false);
  });

  it("sets no lifetime limits unless STACK_MAX_LIFETIME and STACK_RENEW_WINDOW say so", () => {
    expect(loadConfig(base).lifetime).toEqual({ maxLifetimeMs: null, renewWindowMs: null });
    const limited = loadConfig({ ...base, STACK_MAX_LIFETIME: "6h", STACK_RENEW_WINDOW: "15m" });
    expect(limited.lifetime).toEqual({ maxLifetimeMs: 6 * 3_600_000, renewWindowMs: 15 * 60_000 });
  });

  it("takes a STACK_TTL, STACK_MAX_LIFETIME and STACK_RENEW_WINDOW far beyond one timer, up to Go's longest duration", () => {
    const hour = 3_600_000;
    expect(loadConfig({ ...base, STACK_TTL: "720h" }).stackTtlMs).toBe(720 * hour);
    const longest = loadConfig({
      ...base,
      STACK_TTL: "9223372036854775807ns",
      STACK_MAX_LIFETIME: "2562047h47m16.854775807s",
      STACK_RENEW_WINDOW: "1000h",
    });
    expect(longest.stackTtlMs).toBe(9_223_372_036_855);
    expect(longest.lifetime).toEqual({ maxLifetimeMs: 9_223_372_036_855, renewWindowMs: 1000 * hour });
    expect(loadConfig({ ...base, STACK_ORPHAN_GRACE: "1000h" }).orphanGraceMs).toBe(1000 * hour);
  });

  it("takes timer durations up to the longest delay a timer can hold", () => {
    const config = loadConfig({
      ...base,
      STACK_SCHEDULER_INTERVAL: "596h31m23.647s",
      STACK_SCHEDULING_TIMEOUT: "24h",
    });
    expect(config.reconcileIntervalMs).toBe(2 ** 31 - 1);
    expect(config.schedulingTimeoutMs).toBe(24 * 3_600_000);
  });

  it("requires API_KEY while auth is enabled, and not otherwise", () => {
    expect(errorOf({}).variable).toBe("API_KEY");
    expect(loadConfig({ API_KEY_ENABLED: "false" }).apiKeyEnabled).toBe(false);
  });

  it("takes API_KEYS_FILE in place of API_KEY, as a path only (the file is read by src/keys)", () => {
    const config = loadConfig({ API_KEYS_FILE: "/etc/stackd/keys/keys" });
    expect(config).toMatchObject({ apiKey: "", apiKeysFile: "/etc/stackd/keys/keys", apiKeysReloadMs: 5000 });
    expect(loadConfig({ ...base, API_KEYS_RELOAD_INTERVAL: "500ms" }).apiKeysReloadMs).toBe(500);
  });

  it("refuses API_KEYS_FILE while auth is off, rather than ignore the keys", () => {
    const error = errorOf({ API_KEY_ENABLED: "false", API_KEYS_FILE: "/keys" });
    expect(error.variable).toBe("API_KEYS_FILE");
    expect(error.message).toContain("API_KEY_ENABLED is false");
  });

  it.each([
    ["STACK_TTL", "2 hours", "invalid duration"],
    ["STACK_TTL", "0", "positive duration"],
    ["STACK_SCHEDULING_TIMEOUT", "-5s", "positive duration"],
    ["STACK_NODEPORT_MIN", "abc", "whole number"],
    ["STACK_NODEPORT_MAX", "70000", "between 1 and 65535"],
    ["API_KEY_ENABLED", "maybe", "true or false"],
    ["HTTP_ADDR", "8081", "must look like"],
    ["HTTP_ADDR", ":99999", "at most 65535"],
    ["K8S_CLIENT_QPS", "-1", "positive number"],
    ["LOG_LEVEL", "loud", "must be one of"],
    ["STACK_REQUIRE_INGRESS_NETWORK_POLICY", "sometimes", "true or false"],
    ["STACK_NETWORK_ISOLATION", "true", 'must be "on" or "off"'],
    ["STACK_NETWORK_ISOLATION", "strict", 'must be "on" or "off"'],
    ["STACK_MAX_LIFETIME", "1h", "at least STACK_TTL"],
    ["STACK_MAX_LIFETIME", "forever", "invalid duration"],
    ["STACK_RENEW_WINDOW", "0", "positive duration"],
    ["STACK_TTL", "100000000h", "longer than Go's longest duration"],
    ["STACK_TTL", "9223372036854775808ns", "longer than Go's longest duration"],
    ["STACK_MAX_LIFETIME", "99999999999999999999h", "longer than Go's longest duration"],
    ["STACK_SCHEDULER_INTERVAL", "597h", "at most 596h31m23.647s (the longest delay a timer can hold)"],
    ["LIVE_HEARTBEAT", "1000h", "at most 596h31m23.647s"],
    ["K8S_REQUEST_TIMEOUT", "720h", "at most 596h31m23.647s"],
    ["SHUTDOWN_TIMEOUT", "720h", "at most 596h31m23.647s"],
    ["LEADER_ELECTION_RETRY_PERIOD", "720h", "at most 596h31m23.647s"],
    ["STACK_SCHEDULING_TIMEOUT", "25h", "at most 24h0m0s"],
  ])("stops start-up on a bad %s (%p)", (variable, value, message) => {
    const error = errorOf({ ...base, [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message).toStartWith(`${variable}: `);
    expect(error.message).toContain(message);
  });

  it("reads STACKD_INSPECT as off, the default relay, or a relay URL", () => {
    expect(loadConfig(base).inspectUrl).toBeUndefined();
    expect(loadConfig({ ...base, STACKD_INSPECT: "true" }).inspectUrl).toBe("ws://127.0.0.1:8080");
    expect(loadConfig({ ...base, STACKD_INSPECT: "ws://127.0.0.1:9999" }).inspectUrl).toBe(
      "ws://127.0.0.1:9999",
    );
    expect(errorOf({ ...base, STACKD_INSPECT: "http://x" }).variable).toBe("STACKD_INSPECT");
  });

  it("names the instance stackd unless STACKD_INSTANCE says otherwise", () => {
    expect(loadConfig(base).instance).toBe("stackd");
    expect(loadConfig({ ...base, STACKD_INSTANCE: "  " }).instance).toBe("stackd");
    expect(loadConfig({ ...base, STACKD_INSTANCE: "ctf-2025.team_a" }).instance).toBe("ctf-2025.team_a");
    expect(loadConfig({ ...base, STACKD_INSTANCE: "a".repeat(63) }).instance).toBe("a".repeat(63));
    expect(loadConfig({ ...base, STACKD_INSTANCE: "7" }).instance).toBe("7");
  });

  it.each(["a".repeat(64), "-dev", "dev-", ".dev", "dev_", "my dev", "team/a", "dév"])(
    "stops start-up on a STACKD_INSTANCE that is no label value (%p)",
    (value) => {
      const error = errorOf({ ...base, STACKD_INSTANCE: value });
      expect(error.variable).toBe("STACKD_INSTANCE");
      expect(error.message).toContain("must be a Kubernetes label value");
      expect(error.message).toContain(`got "${value}"`);
    },
  );

  it("reads STACK_REQUIRE_INGRESS_NETWORK_POLICY as a boolean", () => {
    expect(
      loadConfig({ ...base, STACK_REQUIRE_INGRESS_NETWORK_POLICY: "false" }).requireIngressNetworkPolicy,
    ).toBe(false);
    expect(
      loadConfig({ ...base, STACK_REQUIRE_INGRESS_NETWORK_POLICY: "TRUE" }).requireIngressNetworkPolicy,
    ).toBe(true);
  });

  it.each([
    ["on", true],
    ["ON", true],
    [" off ", false],
    ["", false],
  ])("reads STACK_NETWORK_ISOLATION=%p as %p", (value, expected) => {
    expect(loadConfig({ ...base, STACK_NETWORK_ISOLATION: value }).networkIsolation).toBe(expected);
  });

  it("rejects a NodePort range whose max is below its min", () => {
    const error = errorOf({ ...base, STACK_NODEPORT_MIN: "32000", STACK_NODEPORT_MAX: "31000" });
    expect(error.variable).toBe("STACK_NODEPORT_MAX");
  });

  it("accepts :port, host:port and [ipv6]:port listen addresses", () => {
    expect(parseListenAddress(":9000")).toEqual({ hostname: "0.0.0.0", port: 9000 });
    expect(parseListenAddress("127.0.0.1:9000")).toEqual({ hostname: "127.0.0.1", port: 9000 });
    expect(parseListenAddress("[::1]:9000")).toEqual({ hostname: "::1", port: 9000 });
  });

  it("reads the pod policy: Pod Security mode, prefixes, lists, quantities and caps", () => {
    const policy = loadConfig({
      ...base,
      STACK_POD_SECURITY: "Restricted",
      STACK_ANNOTATION_PREFIXES: "ctf.example.com/, team.example.com/ ,",
      STACK_ALLOW_CONFIG_MAPS: "true",
      STACK_ALLOWED_PULL_SECRETS: "registry-a,registry-b",
      STACK_EMPTYDIR_MAX: "2Gi",
      STACK_EMPTYDIR_MEMORY_MAX: "64Mi",
      STACK_TERMINATION_GRACE_MAX: "0s",
      STACK_MAX_CONTAINERS: "3",
    }).podPolicy;
    expect(policy).toMatchObject({
      podSecurity: "restricted",
      annotationPrefixes: ["ctf.example.com/", "team.example.com/"],
      allowConfigMaps: true,
      allowedPullSecrets: ["registry-a", "registry-b"],
      maxEmptyDirBytes: 2 * 1024 ** 3,
      maxMemoryEmptyDirBytes: 64 * 1024 ** 2,
      maxTerminationGracePeriodSeconds: 0,
      maxContainers: 3,
    });
  });

  it.each([
    ["STACK_POD_SECURITY", "privileged", "must be one of baseline, restricted"],
    ["STACK_EMPTYDIR_MAX", "lots", 'must be a quantity such as "1Gi"'],
    ["STACK_MAX_CONTAINERS", "0", "must be between 1 and 1000"],
  ])("stops start-up on a bad %s", (variable, value, message) => {
    const error = errorOf({ ...base, [variable]: value });
    expect(error.variable).toBe(variable);
    expect(error.message).toContain(message);
  });
});

describe("STACK_RUNTIME_CLASS", () => {
  it("is unset by default: stack pods run under the node's default runtime", () => {
    expect(loadConfig(base).runtimeClassName).toBeNull();
  });

  it("reads the RuntimeClass every stack pod runs under", () => {
    expect(loadConfig({ ...base, STACK_RUNTIME_CLASS: "gvisor" }).runtimeClassName).toBe("gvisor");
    expect(loadConfig({ ...base, STACK_RUNTIME_CLASS: "kata.fc-2" }).runtimeClassName).toBe("kata.fc-2");
  });

  it.each([
    ["upper case", "gVisor"],
    ["a space", "run sc"],
    ["a leading dash", "-kata"],
    ["an underscore", "kata_qemu"],
    ["254 characters", "a".repeat(254)],
  ])("refuses a name with %s, which no RuntimeClass can have, naming the variable", (_, value) => {
    const error = errorOf({ ...base, STACK_RUNTIME_CLASS: value });
    expect(error.variable).toBe("STACK_RUNTIME_CLASS");
    expect(error.message).toContain("name of a RuntimeClass");
  });
});

import { type Static, Type } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { ExposureConfigSchema, exposureConfig } from "../exposure/exposure-config.ts";
import { apiKeysConfig } from "./api-keys-config.ts";
import {
  boolean,
  ConfigError,
  duration,
  type Env,
  goDurationLimit,
  integer,
  onOff,
  positiveNumber,
  read,
} from "./env-readers.ts";
import { LeaderElectionConfigSchema, leaderElectionConfig } from "./leader-election-config.ts";
import { OwnerLimitsConfigSchema, ownerLimitsConfig } from "./owner-limits-config.ts";
import { PodPolicyConfigSchema, podPolicyConfig } from "./pod-policy-config.ts";

export { ConfigError } from "./env-readers.ts";

/** The instance whose objects carry no `stackd.io/instance` label (those made before the label existed). */
export const defaultInstance = "stackd";

/** A Kubernetes label value: at most 63 characters, alphanumerics, '-', '_', '.', alphanumeric at both ends. */
const labelValuePattern = "^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$";

/** A Kubernetes object name of the DNS-subdomain kind (a RuntimeClass's): lower-case alphanumerics, '-' and '.'. */
const dnsSubdomainPattern = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";

export const ConfigSchema = Type.Object({
  instance: Type.String({ pattern: labelValuePattern }),
  http: Type.Object({ hostname: Type.String(), port: Type.Integer({ minimum: 0, maximum: 65535 }) }),
  apiKeyEnabled: Type.Boolean(),
  apiKey: Type.String(),
  /** API_KEYS_FILE: `name key` lines, re-read every `apiKeysReloadMs` (src/keys/). */
  apiKeysFile: Type.Optional(Type.String({ minLength: 1 })),
  apiKeysReloadMs: Type.Integer({ minimum: 1 }),
  namespace: Type.String({ minLength: 1 }),
  stackTtlMs: Type.Integer({ minimum: 1 }),
  /** The limits of `POST /stacks/{id}/extend`; null is no limit. */
  lifetime: Type.Object({
    maxLifetimeMs: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
    renewWindowMs: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()]),
  }),
  reconcileIntervalMs: Type.Integer({ minimum: 1 }),
  nodePortMin: Type.Integer({ minimum: 1, maximum: 65535 }),
  nodePortMax: Type.Integer({ minimum: 1, maximum: 65535 }),
  nodeRole: Type.String({ minLength: 1 }),
  /** STACK_RUNTIME_CLASS: the RuntimeClass every stack Pod runs under (gVisor, Kata, ...); null for the node's default. */
  runtimeClassName: Type.Union([Type.String({ pattern: dnsSubdomainPattern, maxLength: 253 }), Type.Null()]),
  schedulingTimeoutMs: Type.Integer({ minimum: 1 }),
  orphanGraceMs: Type.Integer({ minimum: 0 }),
  kubeconfigPath: Type.Optional(Type.String()),
  kubeContext: Type.Optional(Type.String()),
  kubeconfigDefaultPaths: Type.Array(Type.String()),
  inCluster: Type.Boolean(),
  kubeClientQps: Type.Number({ exclusiveMinimum: 0 }),
  kubeClientBurst: Type.Integer({ minimum: 1 }),
  kubeRequestTimeoutMs: Type.Integer({ minimum: 1 }),
  shutdownTimeoutMs: Type.Integer({ minimum: 0 }),
  dbPath: Type.String({ minLength: 1 }),
  maxBodyBytes: Type.Integer({ minimum: 1024 }),
  logLevel: Type.Union([
    Type.Literal("debug"),
    Type.Literal("info"),
    Type.Literal("warn"),
    Type.Literal("error"),
  ]),
  inspectUrl: Type.Optional(Type.String()),
  liveHistorySize: Type.Integer({ minimum: 1 }),
  liveHistoryBytes: Type.Integer({ minimum: 1024 }),
  liveHeartbeatMs: Type.Integer({ minimum: 1 }),
  liveMaxBufferedBytes: Type.Integer({ minimum: 1 }),
  metricsRequireKey: Type.Boolean(),
  metricsEnabled: Type.Boolean(),
  podPolicy: PodPolicyConfigSchema,
  /** Refuse to start unless a NetworkPolicy with an Ingress policyType exists in the namespace. */
  requireIngressNetworkPolicy: Type.Boolean(),
  /** Keep stackd's NetworkPolicy set (ingress only on exposed ports, no private egress) in the namespace. */
  networkIsolation: Type.Boolean(),
  leaderElection: LeaderElectionConfigSchema,
  /** STACK_OWNER_LABEL, STACK_MAX_PER_OWNER, STACK_UNIQUE_LABELS: live stacks per owner, and duplicates refused. */
  ownerLimits: OwnerLimitsConfigSchema,
  /** STACK_EXPOSURE: how players reach stacks (NodePorts, a Gateway, stackd's HAProxy edge, host ports). */
  exposure: ExposureConfigSchema,
});

export type Config = Static<typeof ConfigSchema>;

/** Parses HTTP_ADDR: ":8081", "host:8081", "[::1]:8081" (Go's net.Listen syntax). */
export function parseListenAddress(text: string): { hostname: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(text);
  if (!match) throw new ConfigError("HTTP_ADDR", `must look like ":8081" or "host:8081", got "${text}"`);
  const port = Number(match[3]);
  if (port > 65535) throw new ConfigError("HTTP_ADDR", `port must be at most 65535, got ${port}`);
  const hostname = match[1] ?? match[2] ?? "";
  return { hostname: hostname === "" ? "0.0.0.0" : hostname, port };
}

/** STACKD_INSTANCE: the name that labels this deployment's objects; it must be a Kubernetes label value. */
function instanceName(env: Env): string {
  const text = read(env, "STACKD_INSTANCE", defaultInstance);
  if (!new RegExp(labelValuePattern).test(text)) {
    throw new ConfigError(
      "STACKD_INSTANCE",
      `must be a Kubernetes label value (at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit), got "${text}"`,
    );
  }
  return text;
}

/** STACK_RUNTIME_CLASS: unset for none, else the name of a RuntimeClass (checked to exist at start). */
function runtimeClassName(env: Env): string | null {
  const text = read(env, "STACK_RUNTIME_CLASS", "");
  if (text === "") return null;
  if (text.length > 253 || !new RegExp(dnsSubdomainPattern).test(text))
    throw new ConfigError(
      "STACK_RUNTIME_CLASS",
      `must be unset or the name of a RuntimeClass (lower-case letters, digits, '-' and '.', at most 253), got "${text}"`,
    );
  return text;
}

/** A lifetime limit that may be left unset (null: no limit); when set, a positive duration. */
function optionalLifetime(env: Env, name: string): number | null {
  return read(env, name, "") === "" ? null : duration(env, name, "0", { max: goDurationLimit });
}

/**
 * STACK_SCHEDULING_TIMEOUT's limit: `POST /stacks` waits this long for the scheduler, and the create's
 * deadlines add seconds to it, which must still fit in one timer.
 */
const schedulingTimeoutLimit = { ms: 24 * 3_600_000, reason: "how long a create may wait for the scheduler" };

/** STACK_MAX_LIFETIME and STACK_RENEW_WINDOW; a lifetime shorter than STACK_TTL would refuse every stack. */
function lifetimeLimits(env: Env, stackTtlMs: number): Config["lifetime"] {
  const maxLifetimeMs = optionalLifetime(env, "STACK_MAX_LIFETIME");
  if (maxLifetimeMs !== null && maxLifetimeMs < stackTtlMs)
    throw new ConfigError(
      "STACK_MAX_LIFETIME",
      `must be unset or at least STACK_TTL (${stackTtlMs / 1000}s), got ${maxLifetimeMs / 1000}s`,
    );
  return { maxLifetimeMs, renewWindowMs: optionalLifetime(env, "STACK_RENEW_WINDOW") };
}

const logLevels = ["debug", "info", "warn", "error"] as const;

/** Where kubectl would look for a kubeconfig: the KUBECONFIG list, else ~/.kube/config. */
function kubeconfigDefaultPaths(env: Env): string[] {
  const list = read(env, "KUBECONFIG", "");
  if (list !== "") return list.split(":").filter((path) => path !== "");
  const home = read(env, "HOME", "");
  return home === "" ? [] : [`${home}/.kube/config`];
}

/** STACKD_INSPECT: unset or false for off; true for the local relay on :8080; or the relay's ws:// URL. */
function inspectUrl(env: Env): { inspectUrl?: string } {
  const text = read(env, "STACKD_INSPECT", "");
  if (text === "" || ["0", "false", "off", "no"].includes(text.toLowerCase())) return {};
  if (["1", "true", "on", "yes"].includes(text.toLowerCase())) return { inspectUrl: "ws://127.0.0.1:8080" };
  if (!/^wss?:\/\/[^\s]+$/.test(text)) {
    throw new ConfigError(
      "STACKD_INSPECT",
      `must be true, false or a ws:// URL of the inspector relay, got "${text}"`,
    );
  }
  return { inspectUrl: text };
}

/**
 * Reads and validates the configuration once, from the environment (Bun has already merged `.env`
 * into it, without overriding real variables). Names and defaults are the reference service's.
 */
export function loadConfig(env: Env): Config {
  const keys = apiKeysConfig(env);
  const nodePortMin = integer(env, "STACK_NODEPORT_MIN", 31001, 1, 65535);
  const nodePortMax = integer(env, "STACK_NODEPORT_MAX", 32767, 1, 65535);
  if (nodePortMax < nodePortMin) {
    throw new ConfigError(
      "STACK_NODEPORT_MAX",
      `must not be below STACK_NODEPORT_MIN (${nodePortMin}), got ${nodePortMax}`,
    );
  }
  const logLevel = read(env, "LOG_LEVEL", "info").toLowerCase();
  if (!logLevels.includes(logLevel as never)) {
    throw new ConfigError("LOG_LEVEL", `must be one of ${logLevels.join(", ")}, got "${logLevel}"`);
  }
  const kubeconfigPath = read(env, "K8S_KUBECONFIG", "");
  const http = parseListenAddress(read(env, "HTTP_ADDR", ":8081"));
  const instance = instanceName(env);
  const namespace = read(env, "STACK_NAMESPACE", "stacks");
  const kubeContext = read(env, "K8S_CONTEXT", "");
  // A stack's expiry is waited on in steps that a timer can hold (machines/timer-delay.ts).
  const stackTtlMs = duration(env, "STACK_TTL", "2h", { max: goDurationLimit });
  const config: Config = {
    instance,
    http,
    ...keys,
    namespace,
    stackTtlMs,
    lifetime: lifetimeLimits(env, stackTtlMs),
    reconcileIntervalMs: duration(env, "STACK_SCHEDULER_INTERVAL", "10s"),
    nodePortMin,
    nodePortMax,
    nodeRole: read(env, "STACK_NODE_ROLE", "stack"),
    runtimeClassName: runtimeClassName(env),
    schedulingTimeoutMs: duration(env, "STACK_SCHEDULING_TIMEOUT", "20s", { max: schedulingTimeoutLimit }),
    orphanGraceMs: duration(env, "STACK_ORPHAN_GRACE", "2m", { allowZero: true, max: goDurationLimit }),
    ...(kubeconfigPath ? { kubeconfigPath } : {}),
    ...(kubeContext ? { kubeContext } : {}),
    inCluster: Boolean(env.KUBERNETES_SERVICE_HOST),
    kubeconfigDefaultPaths: kubeconfigDefaultPaths(env),
    kubeClientQps: positiveNumber(env, "K8S_CLIENT_QPS", 200),
    kubeClientBurst: integer(env, "K8S_CLIENT_BURST", 400, 1, 1_000_000),
    kubeRequestTimeoutMs: duration(env, "K8S_REQUEST_TIMEOUT", "10s"),
    shutdownTimeoutMs: duration(env, "SHUTDOWN_TIMEOUT", "10s", { allowZero: true }),
    dbPath: read(env, "DB_PATH", "./data/stackd.db"),
    maxBodyBytes: integer(env, "MAX_BODY_BYTES", 1_048_576, 1024, 64 * 1_048_576),
    logLevel: logLevel as Config["logLevel"],
    ...inspectUrl(env),
    liveHistorySize: integer(env, "LIVE_HISTORY_SIZE", 10_000, 1, 10_000_000),
    liveHistoryBytes: integer(env, "LIVE_HISTORY_BYTES", 256 * 1_048_576, 1024, 1_099_511_627_776),
    liveHeartbeatMs: duration(env, "LIVE_HEARTBEAT", "15s"),
    liveMaxBufferedBytes: integer(env, "LIVE_MAX_BUFFERED_BYTES", 4 * 1_048_576, 1, 1_073_741_824),
    metricsRequireKey: boolean(env, "METRICS_REQUIRE_KEY", false),
    metricsEnabled: boolean(env, "METRICS_ENABLED", true),
    podPolicy: podPolicyConfig(env),
    requireIngressNetworkPolicy: boolean(env, "STACK_REQUIRE_INGRESS_NETWORK_POLICY", true),
    networkIsolation: onOff(env, "STACK_NETWORK_ISOLATION", "off"),
    exposure: exposureConfig(env),
    ownerLimits: ownerLimitsConfig(env),
    leaderElection: leaderElectionConfig(env, {
      namespace,
      instance,
      defaultInstance,
      httpPort: http.port,
    }),
  };
  const { exposure } = config;
  if (
    config.networkIsolation &&
    (exposure.mode === "gateway" || exposure.mode === "edge") &&
    !exposure.edgePeers
  )
    throw new ConfigError(
      "STACK_EDGE_NAMESPACE",
      `is required with STACK_NETWORK_ISOLATION=on and STACK_EXPOSURE=${exposure.mode}: each stack admits ingress only from the edge's pods (STACK_EDGE_NAMESPACE and STACK_EDGE_POD_LABELS name them)`,
    );
  const problem = Value.Errors(ConfigSchema, config).First();
  if (problem) throw new ConfigError(problem.path, problem.message);
  return config;
}

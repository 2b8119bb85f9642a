import { hostname } from "node:os";
import { type Static, Type } from "@sinclair/typebox";
import { boolean, ConfigError, duration, type Env, read } from "./env-readers.ts";

export const LeaderElectionConfigSchema = Type.Object({
  enabled: Type.Boolean(),
  namespace: Type.String({ minLength: 1 }),
  name: Type.String({ minLength: 1 }),
  identity: Type.String({ minLength: 1 }),
  leaseDurationMs: Type.Integer({ minimum: 1000 }),
  renewDeadlineMs: Type.Integer({ minimum: 1 }),
  retryPeriodMs: Type.Integer({ minimum: 1 }),
  /** Where the other replicas send writes while this one leads. */
  advertiseUrl: Type.String({ minLength: 1 }),
});

export type LeaderElectionConfig = Static<typeof LeaderElectionConfigSchema>;

/** The reference's Lease name; another STACKD_INSTANCE gets its own Lease so that both can lead. */
export const defaultLeaseName = "container-provisioner";

/** A Kubernetes object name (DNS subdomain): lower-case alphanumerics, '-' and '.'. */
const objectNamePattern = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

/**
 * LEADER_ELECTION_*, named as the reference names them. The timing rules are client-go's: the lease
 * must outlast the renew deadline (a leader stops acting at its deadline, before anyone may take the
 * lease), and the deadline must leave room for retries.
 */
export function leaderElectionConfig(
  env: Env,
  defaults: { namespace: string; instance: string; defaultInstance: string; httpPort: number },
): LeaderElectionConfig {
  const enabled = boolean(env, "LEADER_ELECTION_ENABLED", false);
  const namespace = read(env, "LEADER_ELECTION_NAMESPACE", read(env, "POD_NAMESPACE", defaults.namespace));
  const name = read(
    env,
    "LEADER_ELECTION_NAME",
    defaults.instance === defaults.defaultInstance
      ? defaultLeaseName
      : `${defaultLeaseName}-${defaults.instance.toLowerCase().replace(/[^a-z0-9.-]/g, "-")}`.replace(
          /[-.]+$/,
          "",
        ),
  );
  if (!objectNamePattern.test(name))
    throw new ConfigError("LEADER_ELECTION_NAME", `must be a Kubernetes object name, got "${name}"`);
  const identity = read(
    env,
    "LEADER_ELECTION_IDENTITY",
    read(env, "POD_NAME", `${hostname()}-${process.pid}`),
  );
  const leaseDurationMs = duration(env, "LEADER_ELECTION_LEASE_DURATION", "15s");
  const renewDeadlineMs = duration(env, "LEADER_ELECTION_RENEW_DEADLINE", "10s");
  const retryPeriodMs = duration(env, "LEADER_ELECTION_RETRY_PERIOD", "2s");
  if (leaseDurationMs <= renewDeadlineMs)
    throw new ConfigError(
      "LEADER_ELECTION_LEASE_DURATION",
      `must be longer than LEADER_ELECTION_RENEW_DEADLINE (${renewDeadlineMs / 1000}s), got ${leaseDurationMs / 1000}s`,
    );
  if (renewDeadlineMs <= retryPeriodMs * 1.2)
    throw new ConfigError(
      "LEADER_ELECTION_RENEW_DEADLINE",
      `must be longer than 1.2 × LEADER_ELECTION_RETRY_PERIOD (${retryPeriodMs / 1000}s), got ${renewDeadlineMs / 1000}s`,
    );
  const podIp = read(env, "POD_IP", "");
  const advertiseUrl = read(
    env,
    "STACKD_ADVERTISE_URL",
    `http://${podIp === "" ? "127.0.0.1" : podIp.includes(":") ? `[${podIp}]` : podIp}:${defaults.httpPort}`,
  );
  if (!/^https?:\/\/[^\s/]+\/?$/.test(advertiseUrl))
    throw new ConfigError(
      "STACKD_ADVERTISE_URL",
      `must be an http:// or https:// origin, got "${advertiseUrl}"`,
    );
  return {
    enabled,
    namespace,
    name,
    identity,
    leaseDurationMs,
    renewDeadlineMs,
    retryPeriodMs,
    advertiseUrl: advertiseUrl.replace(/\/$/, ""),
  };
}

import { readFileSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";

/**
 * A kubeconfig read by stackd itself, without client-node: its import alone costs about a quarter of
 * a second of every start, and stackd needs only the current context's cluster and user. Users whose
 * credentials come from an exec plugin or an auth provider are handed to client-node on their first
 * request (see credentials.ts), so those still work as they always did.
 */

export class KubeConfigError extends Error {
  override readonly name = "KubeConfigError";
}

/** A kubeconfig `cluster` entry, file paths already resolved against the kubeconfig's directory. */
export interface KubeconfigCluster {
  server: string;
  caFile?: string;
  caData?: string;
  skipTlsVerify: boolean;
  tlsServerName?: string;
}

/** A kubeconfig `user` entry, file paths already resolved against the kubeconfig's directory. */
export interface KubeconfigUser {
  certFile?: string;
  certData?: string;
  keyFile?: string;
  keyData?: string;
  token?: string;
  tokenFile?: string;
  username?: string;
  password?: string;
  /** An exec credential plugin or an auth provider: run by client-node, loaded when first needed. */
  plugin?: "exec" | "auth-provider";
}

/** Where the configuration came from, so that client-node can load the same one for delegated users. */
export type KubeconfigSource =
  | { kind: "file"; path: string; context: string }
  | { kind: "in-cluster"; serviceAccountDir: string };

/** The current context of a kubeconfig: its cluster, its user and its namespace. */
export interface LoadedKubeConfig {
  source: KubeconfigSource;
  cluster: KubeconfigCluster;
  user: KubeconfigUser | undefined;
  namespace?: string;
}

/** Where a Pod's service account token, CA and namespace are mounted. */
export const serviceAccountDir = "/var/run/secrets/kubernetes.io/serviceaccount";

type Entries = Record<string, unknown>;

const isRecord = (value: unknown): value is Entries =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function text(entry: Entries, key: string): string | undefined {
  const value = entry[key];
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The entry of a named list (`clusters`, `users`, `contexts`) called `name`, or undefined. */
function named(config: Entries, list: string, field: string, name: string): Entries | undefined {
  const entries = config[list];
  if (!Array.isArray(entries)) return undefined;
  const found = entries.find((entry) => isRecord(entry) && entry.name === name) as Entries | undefined;
  return found && isRecord(found[field]) ? found[field] : found ? {} : undefined;
}

function readYaml(path: string): Entries {
  let config: unknown;
  try {
    // Bun's own parser: the yaml package would add 50 ms to the part of the start that must be quickest.
    config = Bun.YAML.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new KubeConfigError(`cannot load kubeconfig ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!isRecord(config))
    throw new KubeConfigError(`cannot load kubeconfig ${path}: it is not a YAML mapping`);
  return config;
}

/** Reads a file path field; a relative path is relative to the kubeconfig's directory, as for kubectl. */
type FileField = (entry: Entries, key: string) => string | undefined;

function clusterOf(entry: Entries, server: string, file: FileField): KubeconfigCluster {
  return definedFields<KubeconfigCluster>({
    server,
    caFile: file(entry, "certificate-authority"),
    caData: text(entry, "certificate-authority-data"),
    skipTlsVerify: entry["insecure-skip-tls-verify"] === true,
    tlsServerName: text(entry, "tls-server-name"),
  });
}

function userOf(entry: Entries, file: FileField): KubeconfigUser {
  const plugin = isRecord(entry.exec)
    ? "exec"
    : isRecord(entry["auth-provider"])
      ? "auth-provider"
      : undefined;
  return definedFields<KubeconfigUser>({
    certFile: file(entry, "client-certificate"),
    certData: text(entry, "client-certificate-data"),
    keyFile: file(entry, "client-key"),
    keyData: text(entry, "client-key-data"),
    token: text(entry, "token"),
    // client-go's field is tokenFile; client-node also reads token-file.
    tokenFile: file(entry, "tokenFile") ?? file(entry, "token-file"),
    username: text(entry, "username"),
    password: text(entry, "password"),
    plugin,
  });
}

/** Reads a kubeconfig file and resolves `context` (else its current-context). */
export function kubeconfigFromFile(path: string, context?: string): LoadedKubeConfig {
  const config = readYaml(path);
  const contextName = context ?? text(config, "current-context");
  if (!contextName) throw new KubeConfigError(`kubeconfig ${path} names no current-context`);
  const contextEntry = named(config, "contexts", "context", contextName);
  if (!contextEntry) {
    throw new KubeConfigError(
      context
        ? `kubeconfig has no context named "${context}"`
        : `kubeconfig ${path}: its current-context "${contextName}" is not among its contexts`,
    );
  }
  const base = dirname(resolve(path));
  const file: FileField = (entry, key) => {
    const value = text(entry, key);
    return value === undefined || isAbsolute(value) ? value : join(base, value);
  };
  const clusterEntry = named(config, "clusters", "cluster", text(contextEntry, "cluster") ?? "");
  const server = clusterEntry && text(clusterEntry, "server");
  if (!clusterEntry || !server) {
    throw new KubeConfigError(
      `kubeconfig's current context names no cluster server (context "${contextName}")`,
    );
  }
  const userName = text(contextEntry, "user");
  const userEntry = userName === undefined ? undefined : named(config, "users", "user", userName);
  const namespace = text(contextEntry, "namespace");
  return {
    source: { kind: "file", path: resolve(path), context: contextName },
    cluster: clusterOf(clusterEntry, server, file),
    user: userEntry ? userOf(userEntry, file) : undefined,
    ...(namespace ? { namespace } : {}),
  };
}

/** The configuration of a stackd running in a Pod: the API server's Service and the mounted service account. */
export function kubeconfigInCluster(
  env: Record<string, string | undefined>,
  accountDir = serviceAccountDir,
): LoadedKubeConfig {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT;
  if (!host || !port) {
    throw new KubeConfigError("in-cluster config needs KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT");
  }
  let namespace: string | undefined;
  try {
    namespace = readFileSync(join(accountDir, "namespace"), "utf8").trim() || undefined;
  } catch {
    namespace = undefined;
  }
  return {
    source: { kind: "in-cluster", serviceAccountDir: accountDir },
    cluster: {
      server: `https://${host.includes(":") ? `[${host}]` : host}:${port}`,
      caFile: join(accountDir, "ca.crt"),
      skipTlsVerify: false,
    },
    user: { tokenFile: join(accountDir, "token") },
    ...(namespace ? { namespace } : {}),
  };
}

/** The object without its undefined fields (exactOptionalPropertyTypes). */
function definedFields<T extends object>(object: { [K in keyof T]: T[K] | undefined }): T {
  return Object.fromEntries(Object.entries(object).filter(([, value]) => value !== undefined)) as T;
}

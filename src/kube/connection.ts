import { existsSync, readFileSync } from "node:fs";
import { type CredentialSource, credentialsFor } from "./credentials.ts";
import {
  KubeConfigError,
  kubeconfigFromFile,
  kubeconfigInCluster,
  type LoadedKubeConfig,
} from "./kubeconfig.ts";

/** TLS settings in the shape Bun's fetch takes. */
export interface KubeTls {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
  serverName?: string;
}

/** Everything needed to reach one API server as one user. */
export interface KubeConnection {
  server: string;
  tls: KubeTls;
  credentials: CredentialSource;
  /** The context's namespace, when it names one. */
  namespace?: string;
}

export interface KubeConnectionOptions {
  /** Path of a kubeconfig file; when absent, in-cluster config if `inCluster`, else the default kubeconfig. */
  kubeconfigPath?: string;
  /** A context name to use instead of the kubeconfig's current-context. */
  context?: string;
  /** True when running in a Pod (KUBERNETES_SERVICE_HOST is set). */
  inCluster?: boolean;
  /**
   * Where a default kubeconfig may be (the KUBECONFIG list, else ~/.kube/config), tried in order when
   * neither a path nor in-cluster config applies; none existing is an error that names them all.
   */
  defaultPaths?: string[];
  /** In-cluster only: where the service account is mounted (tests point it elsewhere). */
  serviceAccountDir?: string;
}

function fileOrData(file: string | undefined, data: string | undefined): string | undefined {
  if (file) return readFileSync(file, "utf8");
  if (data) return Buffer.from(data, "base64").toString("utf8");
  return undefined;
}

/** Loads the kubeconfig the way the reference service does: explicit file, else in-cluster, else default. */
export function loadKubeConfig(options: KubeConnectionOptions): LoadedKubeConfig {
  if (options.kubeconfigPath) return kubeconfigFromFile(options.kubeconfigPath, options.context);
  if (options.inCluster) return kubeconfigInCluster(process.env, options.serviceAccountDir);
  return kubeconfigFromFile(defaultKubeconfig(options.defaultPaths ?? []), options.context);
}

/** The first default kubeconfig that exists (client-node would silently fall back to http://localhost:8080). */
function defaultKubeconfig(paths: string[]): string {
  const found = paths.find((path) => existsSync(path));
  if (found) return found;
  const looked = paths.length > 0 ? paths.join(", ") : "nowhere (no KUBECONFIG and no home directory)";
  throw new KubeConfigError(
    `no kubeconfig found: K8S_KUBECONFIG is not set, stackd is not in a cluster (no KUBERNETES_SERVICE_HOST), and none of these exists: ${looked}`,
  );
}

/** Resolves a kubeconfig's current context into a connection: server, TLS material and credentials. */
export function connectionFromKubeConfig(kubeConfig: LoadedKubeConfig): KubeConnection {
  const { cluster, user } = kubeConfig;
  const tls: KubeTls = { rejectUnauthorized: !cluster.skipTlsVerify };
  try {
    const ca = fileOrData(cluster.caFile, cluster.caData);
    const cert = fileOrData(user?.certFile, user?.certData);
    const key = fileOrData(user?.keyFile, user?.keyData);
    if (ca) tls.ca = ca;
    if (cert) tls.cert = cert;
    if (key) tls.key = key;
  } catch (error) {
    throw new KubeConfigError(`cannot read TLS material named in kubeconfig: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (cluster.tlsServerName) tls.serverName = cluster.tlsServerName;
  return {
    server: cluster.server.replace(/\/+$/, ""),
    tls,
    credentials: credentialsFor(kubeConfig),
    ...(kubeConfig.namespace ? { namespace: kubeConfig.namespace } : {}),
  };
}

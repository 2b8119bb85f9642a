import type { Config } from "../config/config.ts";
import { connectionFromKubeConfig, type KubeConnectionOptions, loadKubeConfig } from "./connection.ts";
import { RateLimiter } from "./rate-limiter.ts";
import { KubeTransport } from "./transport.ts";

/** The Kubernetes access stackd uses: the transport, which every request and watch goes through. */
export interface KubeClient {
  transport: KubeTransport;
  /** The kubeconfig context's namespace, if any. */
  namespace: string | undefined;
}

/** Builds a KubeClient from a kubeconfig file, in-cluster config, or the default kubeconfig. */
export function createKubeClient(
  options: KubeConnectionOptions & { qps?: number; burst?: number; requestTimeoutMs?: number },
): KubeClient {
  const connection = connectionFromKubeConfig(loadKubeConfig(options));
  const limiter = options.qps
    ? new RateLimiter(options.qps, options.burst ?? Math.ceil(options.qps * 2))
    : undefined;
  const transport = new KubeTransport(connection, limiter, options.requestTimeoutMs);
  return { transport, namespace: connection.namespace };
}

/** The Kubernetes client the configuration describes (kubeconfig, context or in-cluster; rate limit; deadline). */
export function kubeClientFromConfig(config: Config): KubeClient {
  return createKubeClient({
    ...(config.kubeconfigPath ? { kubeconfigPath: config.kubeconfigPath } : {}),
    ...(config.kubeContext ? { context: config.kubeContext } : {}),
    inCluster: config.inCluster,
    defaultPaths: config.kubeconfigDefaultPaths,
    qps: config.kubeClientQps,
    burst: config.kubeClientBurst,
    requestTimeoutMs: config.kubeRequestTimeoutMs,
  });
}

import { createTypedKubeClient, type TypedKubeClient } from "../src/kube/typed-api.ts";
import { down, up } from "../tools/cluster/control-plane.ts";
import { clusterDir, clusterFiles } from "../tools/cluster/paths.ts";

/**
 * The benchmarks' own cluster (STACKD_CLUSTER=bench unless set, a wide NodePort range), started fresh
 * on every run so that earlier runs' objects neither hold ports nor load the API server. Its client has
 * no request deadline: a 500-create burst queues at the API server for up to ~15 s here.
 */
export async function freshBenchCluster(log: (message: string) => void): Promise<{
  kubeconfigPath: string;
  kube: TypedKubeClient;
}> {
  process.env.STACKD_CLUSTER = process.env.STACKD_CLUSTER ?? "bench";
  process.env.STACKD_NODEPORT_RANGE = process.env.STACKD_NODEPORT_RANGE ?? "20000-39999";
  const dir = clusterDir();
  await down(dir);
  await up(dir, (message) => log(`cluster: ${message}`));
  const kubeconfigPath = clusterFiles(dir).adminKubeconfig;
  return { kubeconfigPath, kube: createTypedKubeClient({ kubeconfigPath, requestTimeoutMs: 120_000 }) };
}

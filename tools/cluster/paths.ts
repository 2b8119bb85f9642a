import { homedir } from "node:os";
import { join, resolve } from "node:path";

const toolsDir = resolve(import.meta.dir, "..");

/** Root of stackd's caches outside the repo (binaries by version, cluster state). */
export function cacheRoot(): string {
  return (
    process.env.STACKD_CACHE_DIR ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "stackd")
  );
}

/** Folder of one local cluster; several can run side by side under different names. */
export function clusterDir(name = process.env.STACKD_CLUSTER ?? "default"): string {
  return process.env.STACKD_CLUSTER_DIR ?? join(cacheRoot(), "clusters", name);
}

export const buildScript = join(toolsDir, "build.sh");

export const clusterFiles = (dir: string) => ({
  state: join(dir, "state.json"),
  lock: join(dir, "lock"),
  pki: join(dir, "pki"),
  logs: join(dir, "logs"),
  etcdData: join(dir, "etcd-data"),
  kwokConfig: join(dir, "kwok.yaml"),
  /** What kwok serves as every container's log (`kubectl logs`, `pods/log`). */
  containerLog: join(dir, "container.log"),
  adminKubeconfig: join(dir, "kubeconfig"),
  kubeconfigFor: (component: string) => join(dir, `${component}.kubeconfig`),
});

import { existsSync } from "node:fs";
import type { V1Pod } from "@kubernetes/client-node";
import { createKubeClient, type KubeClient } from "../../src/kube/client.ts";
import { isNotFound, toKubeApiError } from "../../src/kube/errors.ts";
import { readState } from "../../tools/cluster/control-plane.ts";
import { clusterDir, clusterFiles } from "../../tools/cluster/paths.ts";

/** The admin kubeconfig of the local test cluster (`bun run cluster up` starts it). */
export function testKubeconfigPath(): string {
  const path = process.env.STACKD_TEST_KUBECONFIG ?? clusterFiles(clusterDir()).adminKubeconfig;
  if (!existsSync(path) || (!process.env.STACKD_TEST_KUBECONFIG && !readState(clusterDir()))) {
    throw new Error(`the local cluster is not up (no ${path}); run \`bun run cluster up\` first`);
  }
  return path;
}

export function testKubeClient(): KubeClient {
  return createKubeClient({ kubeconfigPath: testKubeconfigPath() });
}

/** Polls `check` until it returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    await Bun.sleep(100);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${lastError}` : ""}`);
}

/** A fresh namespace for one test file, with its default ServiceAccount ready. */
export async function createTestNamespace(kube: KubeClient, prefix: string): Promise<string> {
  const name = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
  await kube.core.createNamespace({ body: { metadata: { name, labels: { "stackd.test/owned": "true" } } } });
  await eventually("the default ServiceAccount", async () => {
    await kube.core.readNamespacedServiceAccount({ name: "default", namespace: name });
    return true;
  });
  return name;
}

/** True once `read` fails with NotFound; undefined while the object is still there (for `eventually`). */
export function gone(read: () => Promise<unknown>): Promise<true | undefined> {
  return read().then(
    () => undefined,
    (error: unknown) => (isNotFound(toKubeApiError(error)) ? true : undefined),
  );
}

export async function deleteTestNamespace(kube: KubeClient, name: string): Promise<void> {
  try {
    await kube.core.deleteNamespace({ name });
  } catch (error) {
    if (!isNotFound(toKubeApiError(error))) throw error;
  }
}

/** A minimal pod that kwok will run; `extra` is merged into the spec. */
export function testPod(
  name: string,
  options: { labels?: Record<string, string>; cpu?: string; memory?: string } = {},
): V1Pod {
  const cpu = options.cpu ?? "100m";
  const memory = options.memory ?? "64Mi";
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name, labels: { app: "stackd-test", ...options.labels } },
    spec: {
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      containers: [
        {
          name: "app",
          image: "nginx:stable",
          resources: { requests: { cpu, memory }, limits: { cpu, memory } },
        },
      ],
    },
  };
}

/**
 * Compacts the local cluster's etcd up to its current revision, so that every older resourceVersion
 * is really expired (a fresh cluster keeps its whole history until the API server's 5-minute compaction).
 */
export async function compactEtcd(): Promise<number> {
  const state = readState(clusterDir());
  if (!state) throw new Error("the local cluster is not up");
  const etcd = `http://127.0.0.1:${state.ports.etcdClient}/v3/kv`;
  const range = await fetch(`${etcd}/range`, { method: "POST", body: JSON.stringify({ key: btoa("/") }) });
  const revision = Number(((await range.json()) as { header: { revision: string } }).header.revision);
  const compaction = await fetch(`${etcd}/compaction`, {
    method: "POST",
    body: JSON.stringify({ revision, physical: true }),
  });
  if (!compaction.ok)
    throw new Error(`etcd compaction failed: ${compaction.status} ${await compaction.text()}`);
  return revision;
}

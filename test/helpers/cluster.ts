import { afterAll } from "bun:test";
import { existsSync } from "node:fs";
import type { V1Pod } from "@kubernetes/client-node";
import { connectionFromKubeConfig, loadKubeConfig } from "../../src/kube/connection.ts";
import { isNotFound, toKubeApiError } from "../../src/kube/errors.ts";
import { applyNetworkPolicy, deleteNetworkPolicy } from "../../src/kube/network-policies.ts";
import { KubeTransport } from "../../src/kube/transport.ts";
import { createCoreV1Api, createTypedKubeClient, type TypedKubeClient } from "../../src/kube/typed-api.ts";
import { readState } from "../../tools/cluster/control-plane.ts";
import { defaultIngressPolicy, podSecurityLabels } from "../../tools/cluster/fixture.ts";
import { clusterDir, clusterFiles } from "../../tools/cluster/paths.ts";

/** The admin kubeconfig of the local test cluster (`bun run cluster up` starts it). */
export function testKubeconfigPath(): string {
  const path = process.env.STACKD_TEST_KUBECONFIG ?? clusterFiles(clusterDir()).adminKubeconfig;
  if (!existsSync(path) || (!process.env.STACKD_TEST_KUBECONFIG && !readState(clusterDir()))) {
    throw new Error(`the local cluster is not up (no ${path}); run \`bun run cluster up\` first`);
  }
  return path;
}

export function testKubeClient(): TypedKubeClient {
  return createTypedKubeClient({ kubeconfigPath: testKubeconfigPath() });
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

/**
 * A fresh namespace for one test file, labelled like the fixture's `stacks` (Pod Security baseline
 * enforced, so every test proves that the pods it makes are admitted) and shipping the same ingress
 * policy (so stackd starts with STACK_REQUIRE_INGRESS_NETWORK_POLICY's default), with its default
 * ServiceAccount ready.
 */
export async function createTestNamespace(kube: TypedKubeClient, prefix: string): Promise<string> {
  const name = `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
  await kube.core.createNamespace({
    body: { metadata: { name, labels: { "stackd.test/owned": "true", ...podSecurityLabels } } },
  });
  await applyNetworkPolicy(kube.transport, name, defaultIngressPolicy(), null);
  await eventually("the default ServiceAccount", async () => {
    await kube.core.readNamespacedServiceAccount({ name: "default", namespace: name });
    return true;
  });
  return name;
}

/**
 * A client acting as a new ServiceAccount `name` of `namespace` (bearer token, the test cluster's CA),
 * with no permission until the test binds one: for testing what stackd does when RBAC says no.
 */
export async function serviceAccountClient(
  admin: TypedKubeClient,
  namespace: string,
  name: string,
): Promise<TypedKubeClient> {
  await admin.core.createNamespacedServiceAccount({ namespace, body: { metadata: { name } } });
  const request = await admin.core.createNamespacedServiceAccountToken({
    name,
    namespace,
    body: { spec: { expirationSeconds: 3600, audiences: [] } },
  });
  const token = request.status?.token ?? "";
  const { server, tls } = connectionFromKubeConfig(loadKubeConfig({ kubeconfigPath: testKubeconfigPath() }));
  const transport = new KubeTransport({
    server,
    tls: { rejectUnauthorized: true, ...(tls.ca ? { ca: tls.ca } : {}) },
    credentials: { headers: async () => ({ authorization: `Bearer ${token}` }) },
  });
  return { transport, core: createCoreV1Api(transport), namespace };
}

/**
 * For test files whose every case wants a namespace of its own: returns a maker of test namespaces
 * (`bare` removes the ingress policy that createTestNamespace ships) and deletes them all after the file.
 */
export function namespacePerCase(kube: TypedKubeClient, prefix: string) {
  const made: string[] = [];
  afterAll(() => Promise.all(made.map((name) => deleteTestNamespace(kube, name))));
  return async (options: { bare?: boolean } = {}): Promise<string> => {
    const name = await createTestNamespace(kube, prefix);
    made.push(name);
    if (options.bare)
      await deleteNetworkPolicy(kube.transport, name, defaultIngressPolicy().metadata?.name ?? "");
    return name;
  };
}

/** True once `read` fails with NotFound; undefined while the object is still there (for `eventually`). */
export function gone(read: () => Promise<unknown>): Promise<true | undefined> {
  return read().then(
    () => undefined,
    (error: unknown) => (isNotFound(toKubeApiError(error)) ? true : undefined),
  );
}

export async function deleteTestNamespace(kube: TypedKubeClient, name: string): Promise<void> {
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

/**
 * Waits until `sync` has finished `passes` more orphan sweeps than when called, so that at least
 * `passes - 1` whole sweeps began after the moment of interest: what they would delete, they had.
 */
export async function afterSweeps(sync: { sweepPasses(): number }, passes: number, timeoutMs = 30_000) {
  const from = sync.sweepPasses();
  await eventually(
    `${passes} orphan sweeps`,
    async () => (sync.sweepPasses() >= from + passes ? true : undefined),
    timeoutMs,
  );
}

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadConfig } from "../../src/config/config.ts";
import type { TypedKubeClient } from "../../src/kube/typed-api.ts";
import { type Logger, silentLogger } from "../../src/log/logger.ts";
import { createStackd, type Stackd } from "../../src/stackd.ts";
import { applyStackLimits } from "../../tools/cluster/fixture.ts";
import { createTestNamespace, deleteTestNamespace, testKubeconfigPath } from "./cluster.ts";

export const testApiKey = "test-api-key";

/** The contract's own example request body. */
export const contractPodSpec =
  'apiVersion: v1\nkind: Pod\nmetadata:\n  name: challenge\nspec:\n  containers:\n    - name: app\n      image: nginx:stable\n      ports:\n        - containerPort: 80\n          protocol: TCP\n      resources:\n        requests:\n          cpu: "100m"\n          memory: "128Mi"\n        limits:\n          cpu: "100m"\n          memory: "128Mi"';

/** `count` containers named `<prefix>0..`, each with the given cpu, as YAML list items. */
function helperContainers(prefix: string, count: number, cpu: string, extra = ""): string[] {
  return Array.from(
    { length: count },
    (_, index) =>
      `    - name: ${prefix}${index}\n      image: busybox\n${extra}      resources:\n        limits: {cpu: "${cpu}", memory: 64Mi}`,
  );
}

/**
 * A pod spec with one exposed port and the given labels; `containers` counts the app container too, and
 * `sidecars` adds init containers with restartPolicy Always (which run, and reserve, beside the containers).
 */
export function podSpecYaml(
  options: { cpu?: string; labels?: Record<string, string>; containers?: number; sidecars?: number } = {},
): string {
  const cpu = options.cpu ?? "100m";
  const labels = Object.entries(options.labels ?? {})
    .map(([key, value]) => `    ${key}: "${value}"`)
    .join("\n");
  const sidecars = helperContainers("sidecar", options.sidecars ?? 0, cpu, "      restartPolicy: Always\n");
  return [
    "apiVersion: v1",
    "kind: Pod",
    "metadata:",
    "  name: challenge",
    ...(labels ? ["  labels:", labels] : []),
    "spec:",
    "  containers:",
    "    - name: app",
    "      image: nginx:stable",
    "      ports: [{containerPort: 80}]",
    `      resources: {limits: {cpu: "${cpu}", memory: 64Mi}}`,
    ...helperContainers("side", (options.containers ?? 1) - 1, cpu),
    ...(sidecars.length > 0 ? ["  initContainers:", ...sidecars] : []),
  ].join("\n");
}

// biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field in tests.
type ApiBody = any;

export interface TestStackd {
  stackd: Stackd;
  namespace: string;
  dbPath: string;
  call(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: ApiBody }>;
  stop(): Promise<void>;
}

/** Starts stackd in-process against the local cluster, in a namespace of its own with the fixture's limits. */
export async function startTestStackd(
  kube: TypedKubeClient,
  env: Record<string, string> = {},
  options: { namespace?: string; dbDir?: string; limits?: boolean; logger?: Logger } = {},
): Promise<TestStackd> {
  const namespace = options.namespace ?? (await createTestNamespace(kube, "stackd"));
  if (options.limits) await applyStackLimits(kube, namespace);
  const dbDir = options.dbDir ?? mkdtempSync(join(tmpdir(), "stackd-db-"));
  const dbPath = join(dbDir, "stackd.db");
  const config = loadConfig({
    API_KEY: testApiKey,
    STACK_NAMESPACE: namespace,
    DB_PATH: dbPath,
    K8S_KUBECONFIG: testKubeconfigPath(),
    HTTP_ADDR: "127.0.0.1:0",
    K8S_CLIENT_QPS: "500",
    K8S_CLIENT_BURST: "1000",
    ...env,
  });
  const stackd = await createStackd(config, { logger: options.logger ?? silentLogger, kube });
  return {
    stackd,
    namespace,
    dbPath,
    async call(method, path, body, headers = { "x-api-key": testApiKey }) {
      const init: RequestInit = { method, headers: { ...headers } };
      if (body !== undefined) {
        init.body = typeof body === "string" ? body : JSON.stringify(body);
        (init.headers as Record<string, string>)["content-type"] = "application/json";
      }
      const response = await stackd.app.handle(new Request(`http://localhost${path}`, init));
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
    async stop() {
      await stackd.stop();
      if (!options.dbDir) rmSync(dbDir, { recursive: true, force: true });
    },
  };
}

/** Stops a test's stackd, if it started, and deletes the namespace it was given. */
export async function stopAndRemove(kube: TypedKubeClient, service: TestStackd | undefined): Promise<void> {
  await service?.stop();
  if (service) await deleteTestNamespace(kube, service.namespace);
}

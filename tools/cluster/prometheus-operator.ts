import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import type { KubeTransport } from "../../src/kube/transport.ts";
import { crdCollection, downloadGoModule, waitEstablished } from "./crds.ts";
import { cacheRoot } from "./paths.ts";

const moduleDir = resolve(import.meta.dir, "../prometheus-operator");
const modulePath = "github.com/prometheus-operator/prometheus-operator";
const versionAnnotation = "operator.prometheus.io/version";

/** The CRDs deploy/monitoring/ uses: all the monitoring stack needs to accept its objects. */
const crdFiles = ["monitoring.coreos.com_servicemonitors.yaml", "monitoring.coreos.com_prometheusrules.yaml"];

/** The prometheus-operator release that tools/prometheus-operator/go.mod pins (e.g. "v0.94.0"). */
export function prometheusOperatorVersion(): string {
  const goMod = readFileSync(join(moduleDir, "go.mod"), "utf8");
  const version = goMod.match(/^require github\.com\/prometheus-operator\/prometheus-operator (v\S+)$/m)?.[1];
  if (!version) throw new Error(`tools/prometheus-operator/go.mod does not require ${modulePath}`);
  return version;
}

/**
 * The folder of the pinned release's ServiceMonitor and PrometheusRule CRDs, cached by version outside
 * the repo; copied once from the Go module's example/prometheus-operator-crd/.
 */
export function ensurePrometheusOperatorCrds(report: (message: string) => void): string {
  const version = prometheusOperatorVersion();
  const target = join(cacheRoot(), "prometheus-operator", version, "crds");
  if (existsSync(join(target, ".complete"))) return target;
  report(`downloading prometheus-operator ${version} (Go module ${modulePath}) for its monitoring CRDs`);
  const source = join(downloadGoModule(moduleDir, modulePath), "example", "prometheus-operator-crd");
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  for (const file of crdFiles) {
    copyFileSync(join(source, file), join(target, file));
    chmodSync(join(target, file), 0o644);
  }
  writeFileSync(join(target, ".complete"), `${version}\n`);
  return target;
}

interface Crd {
  metadata: { name: string; annotations?: Record<string, string> };
}

async function installedVersion(transport: KubeTransport, name: string): Promise<string | undefined> {
  const response = await transport.request("GET", `${crdCollection}/${name}`);
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`GET CRD ${name} answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as Crd).metadata.annotations?.[versionAnnotation];
}

/**
 * Installs the CRDs with server-side apply (they are cluster-scoped and stay), skipping each whose
 * installed operator version is already the pinned one, then waits until they are Established.
 * Returns the names of the CRDs it applied.
 */
export async function applyPrometheusOperatorCrds(transport: KubeTransport, dir: string): Promise<string[]> {
  const crds = crdFiles.map((file) => parse(readFileSync(join(dir, file), "utf8")) as Crd);
  const applied: string[] = [];
  for (const crd of crds) {
    const { name, annotations } = crd.metadata;
    if ((await installedVersion(transport, name)) === annotations?.[versionAnnotation]) continue;
    await transport.send("PATCH", `${crdCollection}/${name}`, {
      body: crd,
      contentType: "application/apply-patch+yaml",
      query: { fieldManager: "stackd-local-cluster", force: true },
    });
    applied.push(name);
  }
  await waitEstablished(
    transport,
    crds.map((crd) => crd.metadata.name),
  );
  return applied;
}

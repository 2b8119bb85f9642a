import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join, resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import type { KubeTransport } from "../../src/kube/transport.ts";
import { crdCollection, downloadGoModule, waitEstablished } from "./crds.ts";
import { cacheRoot } from "./paths.ts";

const moduleDir = resolve(import.meta.dir, "../gateway-api");
const modulePath = "sigs.k8s.io/gateway-api";

/** The Gateway API release that tools/gateway-api/go.mod pins (e.g. "v1.6.3"). */
export function gatewayApiVersion(): string {
  const goMod = readFileSync(join(moduleDir, "go.mod"), "utf8");
  const version = goMod.match(/^require sigs\.k8s\.io\/gateway-api (v\S+)$/m)?.[1];
  if (!version) throw new Error(`tools/gateway-api/go.mod does not require ${modulePath}`);
  return version;
}

/**
 * The folder of the pinned release's standard-channel manifests (CRDs and the safe-upgrades
 * ValidatingAdmissionPolicy), cached by version outside the repo. Copied once from the Go module,
 * which `go mod download` fetches from the module proxy into GOMODCACHE.
 */
export function ensureGatewayApiManifests(report: (message: string) => void): string {
  const version = gatewayApiVersion();
  const target = join(cacheRoot(), "gateway-api", version, "standard");
  if (existsSync(join(target, ".complete"))) return target;
  report(`downloading Gateway API ${version} (Go module ${modulePath}) for its standard-channel CRDs`);
  const dir = downloadGoModule(moduleDir, modulePath);
  const source = join(dir, "config", "crd", "standard");
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  for (const file of readdirSync(source).filter((name) => name.endsWith(".yaml"))) {
    copyFileSync(join(source, file), join(target, file));
    chmodSync(join(target, file), 0o644);
  }
  writeFileSync(join(target, ".complete"), `${version}\n`);
  return target;
}

/** One object of the manifests, as far as applying it needs. */
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
}

const bundleVersionAnnotation = "gateway.networking.k8s.io/bundle-version";

const collectionPaths: Record<string, string> = {
  CustomResourceDefinition: crdCollection,
  ValidatingAdmissionPolicy: "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies",
  ValidatingAdmissionPolicyBinding: "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings",
};

/** Every object of the manifests folder, CRDs first (the policy binding names the policy, so it comes last). */
export function readGatewayApiManifests(dir: string): Manifest[] {
  const objects = readdirSync(dir)
    .filter((name) => name.endsWith(".yaml"))
    .sort()
    .flatMap((file) =>
      parseAllDocuments(readFileSync(join(dir, file), "utf8"))
        .map((document) => document.toJS() as Manifest | null)
        .filter((object): object is Manifest => object !== null),
    );
  const order = Object.keys(collectionPaths);
  return objects.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind));
}

async function installedVersion(transport: KubeTransport, object: Manifest): Promise<string | undefined> {
  const path = `${collectionPaths[object.kind]}/${object.metadata.name}`;
  const response = await transport.request("GET", path);
  if (response.status === 404) return undefined;
  if (!response.ok) throw new Error(`GET ${path} answered ${response.status}: ${await response.text()}`);
  const current = (await response.json()) as Manifest;
  return current.metadata.annotations?.[bundleVersionAnnotation];
}

/**
 * Installs the manifests through the API server with server-side apply, skipping each object whose
 * installed bundle-version is already the pinned one (so a second `cluster up` costs one read per
 * object), then waits until every CRD is Established. Returns the names of the objects it applied.
 */
export async function applyGatewayApiManifests(transport: KubeTransport, dir: string): Promise<string[]> {
  const objects = readGatewayApiManifests(dir);
  const applied: string[] = [];
  for (const object of objects) {
    const collection = collectionPaths[object.kind];
    if (!collection) throw new Error(`unexpected ${object.kind} ${object.metadata.name} in ${dir}`);
    const wanted = object.metadata.annotations?.[bundleVersionAnnotation];
    if (wanted !== undefined && (await installedVersion(transport, object)) === wanted) continue;
    await transport.send("PATCH", `${collection}/${object.metadata.name}`, {
      body: object,
      contentType: "application/apply-patch+yaml",
      query: { fieldManager: "stackd-local-cluster", force: true },
    });
    applied.push(`${object.kind}/${object.metadata.name}`);
  }
  const crds = objects.filter((object) => object.kind === "CustomResourceDefinition");
  await waitEstablished(
    transport,
    crds.map((crd) => crd.metadata.name),
  );
  return applied;
}

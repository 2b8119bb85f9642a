import { join, resolve } from "node:path";
import { parse, parseAllDocuments, stringify } from "yaml";
import { readState } from "../../tools/cluster/control-plane.ts";
import { clusterDir } from "../../tools/cluster/paths.ts";
import { testKubeconfigPath } from "./cluster.ts";

export const deployDir = resolve(import.meta.dir, "../../deploy");

export interface ManifestObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  // biome-ignore lint/suspicious/noExplicitAny: each test reads the fields of the kind it looks for.
  [field: string]: any;
}

/** The resources deploy/kustomization.yaml lists, as their files say (no kubectl, no `images:` applied). */
export async function deployResources(): Promise<ManifestObject[]> {
  const kustomization = parse(await Bun.file(join(deployDir, "kustomization.yaml")).text()) as {
    resources: string[];
  };
  const texts = await Promise.all(
    kustomization.resources.map((file) => Bun.file(join(deployDir, file)).text()),
  );
  return texts.flatMap((text) =>
    parseAllDocuments(text).map((document) => document.toJS() as ManifestObject),
  );
}

/** One object of deploy/ by kind and name; throws when there is none. */
export async function deployedObject(kind: string, name: string): Promise<ManifestObject> {
  const found = (await deployResources()).find(
    (object) => object.kind === kind && object.metadata.name === name,
  );
  if (!found) throw new Error(`deploy/ has no ${kind} ${name}`);
  return found;
}

/** The literal value of a variable in the environment of a Deployment's first container (undefined when none). */
export function envValueOf(deployment: ManifestObject, name: string): string | undefined {
  const env: Array<{ name: string; value?: string }> = deployment.spec.template.spec.containers[0].env ?? [];
  return env.find((variable) => variable.name === name)?.value;
}

/** The Lease that a Deployment's stackd elects its leader on: LEADER_ELECTION_NAME, else stackd's default. */
export const leaseNameOf = (deployment: ManifestObject): string =>
  envValueOf(deployment, "LEADER_ELECTION_NAME") ?? "container-provisioner";

export interface KubectlResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs the kubectl built with the local control plane, as the cluster's admin. */
export async function kubectl(args: string[], stdin?: string): Promise<KubectlResult> {
  const state = readState(clusterDir());
  if (!state) throw new Error("the local cluster is not up; run `bun run cluster up` first");
  const child = Bun.spawn([join(state.binDir, "kubectl"), `--kubeconfig=${testKubeconfigPath()}`, ...args], {
    stdin: stdin === undefined ? "ignore" : new Blob([stdin]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [stdout, stderr, exitCode] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { exitCode, stdout, stderr };
}

/** deploy/ (or another kustomization) as `kubectl kustomize` renders it: what `kubectl apply -k` sends. */
export async function renderDeploy(dir = deployDir): Promise<ManifestObject[]> {
  const result = await kubectl(["kustomize", dir]);
  if (result.exitCode !== 0) throw new Error(`kubectl kustomize ${dir} failed: ${result.stderr}`);
  return parseAllDocuments(result.stdout).map((document) => document.toJS() as ManifestObject);
}

/**
 * Objects as one YAML stream for `kubectl ... -f -`. Written as YAML 1.1, which kubectl reads: in 1.2's
 * output the string "on" (STACK_NETWORK_ISOLATION) would be bare, and kubectl would read a boolean.
 */
export const manifestStream = (objects: ManifestObject[]) =>
  objects.map((object) => stringify(object, { version: "1.1" })).join("---\n");

const namespacesOf = (objects: ManifestObject[]) =>
  new Set(objects.filter((object) => object.kind === "Namespace").map((object) => object.metadata.name));

/**
 * Objects outside the namespaces the manifests create (cluster-scoped ones such as the ClusterRole, or
 * ones in a namespace like `default`): a test must rename them to stay apart from other tests.
 */
function isShared(object: ManifestObject, ownNamespaces: Set<string>): boolean {
  if (object.kind === "Namespace") return false;
  return object.metadata.namespace === undefined || !ownNamespaces.has(object.metadata.namespace);
}

/** The objects that a copy of deploy/ adds outside its own namespaces (a test deletes them itself). */
function sharedObjects(objects: ManifestObject[]): ManifestObject[] {
  const own = namespacesOf(objects);
  return objects.filter((object) => isShared(object, own));
}

/** Where an object names a namespace besides its metadata: binding subjects and STACK_NAMESPACE. */
function renameNamespaceReferences(object: ManifestObject, namespaceOf: (name: string) => string): void {
  for (const subject of object.subjects ?? [])
    if (subject.namespace) subject.namespace = namespaceOf(subject.namespace);
  const containers = object.spec?.template?.spec?.containers ?? [];
  for (const variable of containers.flatMap((container: { env?: unknown[] }) => container.env ?? []))
    if (variable.name === "STACK_NAMESPACE") variable.value = namespaceOf(variable.value);
}

/**
 * A copy of deploy/ that cannot meet another test's or a real installation: each namespace it creates
 * becomes `<name>-<suffix>` (in every reference: metadata, binding subjects, STACK_NAMESPACE), and each
 * shared object `<name>-<suffix>`, with the role references that name it.
 */
export function renameDeploy(objects: ManifestObject[], suffix: string): ManifestObject[] {
  const own = namespacesOf(objects);
  const namespaceOf = (name: string) => (own.has(name) ? `${name}-${suffix}` : name);
  const renamedRoles = new Set(
    sharedObjects(objects)
      .filter((object) => /^(Cluster)?Role$/.test(object.kind))
      .map((object) => `${object.kind}/${object.metadata.name}`),
  );
  return objects.map((original) => {
    const object = structuredClone(original);
    const { metadata, roleRef } = object;
    if (object.kind === "Namespace") metadata.name = namespaceOf(metadata.name);
    else if (isShared(original, own)) metadata.name = `${metadata.name}-${suffix}`;
    if (metadata.namespace) metadata.namespace = namespaceOf(metadata.namespace);
    if (roleRef && renamedRoles.has(`${roleRef.kind}/${roleRef.name}`))
      roleRef.name = `${roleRef.name}-${suffix}`;
    renameNamespaceReferences(object, namespaceOf);
    return object;
  });
}

/** Creates (or updates) `objects` for real, as the cluster's admin; throws with kubectl's message. */
export async function applyObjects(objects: ManifestObject[]): Promise<void> {
  const result = await kubectl(["apply", "-f", "-"], manifestStream(objects));
  if (result.exitCode !== 0) throw new Error(`kubectl apply failed: ${result.stderr}`);
}

/** Deletes what a renamed copy of deploy/ may have created: its namespaces and its shared objects. */
export async function deleteCopy(objects: ManifestObject[]): Promise<void> {
  const owned = [...objects.filter((object) => object.kind === "Namespace"), ...sharedObjects(objects)];
  await kubectl(["delete", "--ignore-not-found", "--wait=false", "-f", "-"], manifestStream(owned));
}

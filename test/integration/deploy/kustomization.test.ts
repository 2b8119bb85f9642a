import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { eventually } from "../../helpers/cluster.ts";
import {
  applyObjects,
  deleteCopy,
  envValueOf,
  kubectl,
  leaseNameOf,
  type ManifestObject,
  manifestStream,
  renameDeploy,
  renderDeploy,
} from "../../helpers/deploy.ts";
import { admitsIngress, type PolicyPod, selects } from "../../helpers/network-policy-admits.ts";

// `kubectl apply -k deploy/ --dry-run=server` as such cannot pass on any cluster: a dry run does not
// create the namespaces that the other objects go to. So the namespaces are created for real, under
// names of this test's own, from deploy/'s own Namespace objects (so with its Pod Security labels), with
// the ServiceAccount that a dry-run Pod must find, and everything is then applied with a server-side dry run.
const suffix = `deploy-${crypto.randomUUID().slice(0, 8)}`;
let objects: ManifestObject[] = [];

const ofKind = (kind: string) => objects.filter((object) => object.kind === kind);

function onlyDeployment(change: (deployment: ManifestObject) => void): ManifestObject {
  const deployment = structuredClone(ofKind("Deployment")[0] as ManifestObject);
  change(deployment);
  return deployment;
}

/** The Deployment's pod as the ReplicaSet would create it, for admission by Pod Security's enforce mode. */
function podOf(deployment: ManifestObject): ManifestObject {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "stackd-dry-run", namespace: deployment.metadata.namespace ?? "" },
    spec: deployment.spec.template.spec,
  };
}

const dryRun = (verb: "apply" | "create", applied: ManifestObject[]) =>
  kubectl([verb, "--dry-run=server", "-f", "-"], manifestStream(applied));

/** One object as the API server would store it (defaulted and validated), from a server-side dry run. */
async function asStored(object: ManifestObject): Promise<ManifestObject> {
  const result = await kubectl(
    ["create", "--dry-run=server", "-o", "json", "-f", "-"],
    manifestStream([object]),
  );
  if (result.exitCode !== 0 || result.stderr !== "") throw new Error(`dry run failed: ${result.stderr}`);
  return JSON.parse(result.stdout) as ManifestObject;
}

beforeAll(async () => {
  objects = renameDeploy(await renderDeploy(), suffix);
  await applyObjects([...ofKind("Namespace"), ...ofKind("ServiceAccount")]);
});

afterAll(() => deleteCopy(objects));

describe("kubectl apply -k deploy/", () => {
  it("passes a server-side dry run in namespaces labelled as deploy/ labels them, with no warning", async () => {
    const result = await dryRun("apply", objects);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    const answers = result.stdout.trim().split("\n");
    expect(answers).toHaveLength(objects.length);
    for (const answer of answers) expect(answer).toMatch(/ (created|unchanged) \(server dry run\)$/);
    expect(answers).toContain("deployment.apps/stackd created (server dry run)");
    expect(answers).toContain("poddisruptionbudget.policy/stackd created (server dry run)");
  });

  it("renders no PersistentVolumeClaim, and three replicas that roll one at a time, kept so by the API server", async () => {
    expect(ofKind("PersistentVolumeClaim")).toEqual([]);
    const { spec } = await asStored(ofKind("Deployment")[0] as ManifestObject);
    expect(spec.replicas).toBe(3);
    expect(spec.strategy).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
    const volumes = spec.template.spec.volumes as Array<{ emptyDir?: unknown }>;
    expect(volumes.filter((volume) => volume.emptyDir === undefined)).toEqual([]);
  });

  it("keeps a PodDisruptionBudget of one unavailable replica on the Deployment's pods, kept so by the API server", async () => {
    const { metadata, spec } = await asStored(ofKind("PodDisruptionBudget")[0] as ManifestObject);
    const deployment = ofKind("Deployment")[0] as ManifestObject;
    expect(metadata.namespace).toBe(deployment.metadata.namespace);
    expect(spec).toEqual({
      maxUnavailable: 1,
      unhealthyPodEvictionPolicy: "AlwaysAllow",
      selector: deployment.spec.selector,
    });
  });

  it("gives stackd a pod that the restricted profile admits in its namespace", async () => {
    const result = await dryRun("create", [podOf(onlyDeployment(() => {}))]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
  });

  it("would fail on a pod that breaks the restricted profile: warned as a Deployment, refused as a Pod", async () => {
    const capable = onlyDeployment((deployment) => {
      delete deployment.spec.template.spec.containers[0].securityContext.capabilities;
    });
    const applied = await dryRun("apply", [capable]);
    expect(applied.stderr).toContain('would violate PodSecurity "restricted:latest"');
    expect(applied.stderr).toContain("capabilities");
    const created = await dryRun("create", [podOf(capable)]);
    expect(created.exitCode).not.toBe(0);
    expect(created.stderr).toContain('violates PodSecurity "restricted:latest"');
  });
});

describe("deploy/'s RBAC for leader election, as the API server's authorizer reads it", () => {
  let asStackd = "";
  let stackdNamespace = "";
  let stacksNamespace = "";
  let leaseName = "";

  /** `kubectl auth can-i` as stackd's ServiceAccount: true for yes, false for no. */
  async function stackdCan(verb: string, resource: string, namespace: string): Promise<boolean> {
    const result = await kubectl(["auth", "can-i", `--as=${asStackd}`, "-n", namespace, verb, resource]);
    if (result.exitCode > 1) throw new Error(`kubectl auth can-i failed: ${result.stderr}`);
    return result.stdout.trim() === "yes";
  }

  beforeAll(async () => {
    const deployment = ofKind("Deployment")[0] as ManifestObject;
    stackdNamespace = deployment.metadata.namespace ?? "";
    stacksNamespace = envValueOf(deployment, "STACK_NAMESPACE") ?? "";
    leaseName = leaseNameOf(deployment);
    asStackd = `system:serviceaccount:${stackdNamespace}:${deployment.spec.template.spec.serviceAccountName}`;
    await applyObjects([...ofKind("Role"), ...ofKind("RoleBinding")]);
    // The authorizer learns new bindings from a cache.
    await eventually("the lease Role to be in force", async () =>
      (await stackdCan("get", `leases/${leaseName}`, stackdNamespace)) ? true : undefined,
    );
  });

  it("lets stackd get, update and create the Lease that LEADER_ELECTION_NAME names, in its own namespace", async () => {
    expect(await stackdCan("get", `leases/${leaseName}`, stackdNamespace)).toBe(true);
    expect(await stackdCan("update", `leases/${leaseName}`, stackdNamespace)).toBe(true);
    expect(await stackdCan("create", "leases", stackdNamespace)).toBe(true);
  });

  it("refuses stackd every other verb on leases, other leases, and leases elsewhere", async () => {
    for (const verb of ["delete", "patch", "list", "watch"])
      expect(await stackdCan(verb, `leases/${leaseName}`, stackdNamespace)).toBe(false);
    expect(await stackdCan("get", "leases/some-other-lease", stackdNamespace)).toBe(false);
    expect(await stackdCan("update", "leases/some-other-lease", stackdNamespace)).toBe(false);
    expect(await stackdCan("create", "leases", stacksNamespace)).toBe(false);
    expect(await stackdCan("get", `leases/${leaseName}`, stacksNamespace)).toBe(false);
  });

  it("lets stackd patch Services in the stacks namespace, and nowhere else", async () => {
    expect(await stackdCan("patch", "services", stacksNamespace)).toBe(true);
    expect(await stackdCan("patch", "services", stackdNamespace)).toBe(false);
  });
});

describe("deploy/'s NetworkPolicy for stackd's pods, as the API server stores it", () => {
  const platformNamespace = `platform-${suffix}`;
  let stored: ManifestObject;
  let port = { number: 0, name: "" };

  /** A namespace's name and labels as the API server keeps them (with kubernetes.io/metadata.name). */
  async function namespaceOf(name: string): Promise<PolicyPod["namespace"]> {
    const result = await kubectl(["get", "namespace", name, "-o", "json"]);
    if (result.exitCode !== 0) throw new Error(`kubectl get namespace failed: ${result.stderr}`);
    return { name, labels: JSON.parse(result.stdout).metadata.labels ?? {} };
  }

  beforeAll(async () => {
    const policy = objects.find(
      (object) => object.kind === "NetworkPolicy" && object.metadata.name === "stackd",
    ) as ManifestObject;
    stored = await asStored(policy);
    const [containerPort] = (ofKind("Deployment")[0] as ManifestObject).spec.template.spec.containers[0]
      .ports;
    port = { number: containerPort.containerPort, name: containerPort.name };
    await applyObjects([
      {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: platformNamespace, labels: { "stackd.io/platform": "true" } },
      },
    ]);
  });

  afterAll(() => kubectl(["delete", "namespace", platformNamespace, "--ignore-not-found", "--wait=false"]));

  it("selects the Deployment's pods, in their namespace", () => {
    const deployment = ofKind("Deployment")[0] as ManifestObject;
    expect(stored.metadata.namespace).toBe(deployment.metadata.namespace);
    expect(selects(stored.spec.podSelector, deployment.spec.template.metadata.labels)).toBe(true);
    expect(stored.spec.policyTypes).toEqual(["Ingress"]);
  });

  it("admits a namespace labelled stackd.io/platform=true and the other replicas", async () => {
    const platform = await namespaceOf(platformNamespace);
    expect(admitsIngress(stored, { namespace: platform, labels: { app: "ctfd" } }, port)).toBe(true);
    const deployment = ofKind("Deployment")[0] as ManifestObject;
    const own = await namespaceOf(deployment.metadata.namespace ?? "");
    const replica = { namespace: own, labels: deployment.spec.template.metadata.labels };
    expect(admitsIngress(stored, replica, port)).toBe(true);
  });

  it("does not admit a stack's pod in the stacks namespace", async () => {
    const deployment = ofKind("Deployment")[0] as ManifestObject;
    const stacks = await namespaceOf(envValueOf(deployment, "STACK_NAMESPACE") ?? "");
    const player = { namespace: stacks, labels: { "app.kubernetes.io/managed-by": "stackd" } };
    expect(admitsIngress(stored, player, port)).toBe(false);
  });
});

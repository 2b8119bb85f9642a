import { describe, expect, it } from "bun:test";
import { loadConfig } from "../../../src/config/config.ts";
import { deployedObject, deployResources } from "../../helpers/deploy.ts";

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string } };
}

/** What the downward API gives a pod of the Deployment, for the fields the manifest asks for. */
const downwardApi: Record<string, string> = {
  "metadata.name": "stackd-6d5f7c9b8-x2x4q",
  "metadata.namespace": "stackd",
  "status.podIP": "10.244.1.7",
};

const deployment = () => deployedObject("Deployment", "stackd");
const podSpec = async () => (await deployment()).spec.template.spec;
const container = async () => (await podSpec()).containers[0];
const envList = async () => (await container()).env as EnvVar[];

/** The container's environment as the kubelet builds it: fields filled in, `$(VAR)` of earlier variables expanded. */
async function kubeletEnv(): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const variable of await envList()) {
    const field = variable.valueFrom?.fieldRef?.fieldPath;
    const raw = field ? downwardApi[field] : variable.valueFrom?.secretKeyRef ? "secret" : variable.value;
    if (raw === undefined) throw new Error(`no value for ${variable.name}`);
    env[variable.name] = raw.replace(
      /\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g,
      (ref, name: string) => env[name] ?? ref,
    );
  }
  return env;
}

const envValue = async (name: string) => (await envList()).find((variable) => variable.name === name);

describe("deploy/ for several replicas", () => {
  it("runs three replicas that roll one at a time, never fewer than three serving", async () => {
    const { spec } = await deployment();
    expect(spec.replicas).toBe(3);
    expect(spec.strategy).toEqual({
      type: "RollingUpdate",
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
  });

  it("keeps at least two replicas through voluntary disruptions, with a PodDisruptionBudget on the Deployment's pods", async () => {
    const { metadata, spec } = await deployment();
    const budget = await deployedObject("PodDisruptionBudget", "stackd");
    expect(budget.metadata.namespace).toBe(metadata.namespace);
    expect(budget.spec.selector).toEqual(spec.selector);
    expect(spec.template.metadata.labels).toMatchObject(budget.spec.selector.matchLabels);
    expect(budget.spec.minAvailable).toBeUndefined();
    expect(spec.replicas - budget.spec.maxUnavailable).toBeGreaterThanOrEqual(2);
  });

  it("spreads the replicas over nodes", async () => {
    const { spec } = await deployment();
    expect(spec.template.spec.topologySpreadConstraints).toEqual([
      expect.objectContaining({
        topologyKey: "kubernetes.io/hostname",
        maxSkew: 1,
        labelSelector: spec.selector,
      }),
    ]);
  });

  it("keeps the database on an emptyDir, with no PersistentVolumeClaim anywhere", async () => {
    const objects = await deployResources();
    expect(objects.filter((object) => object.kind === "PersistentVolumeClaim")).toEqual([]);
    const volumes = (await podSpec()).volumes as Array<{ name: string; emptyDir?: unknown }>;
    expect(volumes.filter((volume) => volume.emptyDir === undefined)).toEqual([]);
    const dbPath = (await envValue("DB_PATH"))?.value ?? "";
    const mounts = (await container()).volumeMounts as Array<{ name: string; mountPath: string }>;
    const dbMount = mounts.find((mount) => dbPath.startsWith(`${mount.mountPath}/`));
    expect(volumes.find((volume) => volume.name === dbMount?.name)?.emptyDir).toBeDefined();
  });

  it("turns leader election on, with the Lease in the pod's own namespace and the pod's name, namespace and IP from the downward API", async () => {
    expect(await envValue("LEADER_ELECTION_ENABLED")).toEqual({
      name: "LEADER_ELECTION_ENABLED",
      value: "true",
    });
    const fieldOf = async (name: string) => (await envValue(name))?.valueFrom?.fieldRef?.fieldPath;
    expect(await fieldOf("LEADER_ELECTION_NAMESPACE")).toBe("metadata.namespace");
    expect(await fieldOf("POD_NAME")).toBe("metadata.name");
    expect(await fieldOf("POD_NAMESPACE")).toBe("metadata.namespace");
    expect(await fieldOf("POD_IP")).toBe("status.podIP");
  });

  it("advertises the pod's own IP on the port stackd listens on, which the kubelet can expand", async () => {
    const env = await kubeletEnv();
    const config = loadConfig(env);
    const ports = (await container()).ports as Array<{ containerPort: number }>;
    expect(ports.map((port) => port.containerPort)).toContain(config.http.port);
    expect(env.STACKD_ADVERTISE_URL).toBe(`http://${downwardApi["status.podIP"]}:${config.http.port}`);
  });

  it("turns stack network isolation on, in settings stackd accepts", async () => {
    expect(loadConfig(await kubeletEnv()).networkIsolation).toBe(true);
  });

  it("gives the pod time to finish its requests and hand the Lease over before it is killed", async () => {
    const spec = await podSpec();
    const config = loadConfig(await kubeletEnv());
    const preStopSeconds = (await container()).lifecycle?.preStop?.sleep?.seconds ?? 0;
    const stoppingSeconds = preStopSeconds + (config.shutdownTimeoutMs + config.kubeRequestTimeoutMs) / 1000;
    expect(spec.terminationGracePeriodSeconds).toBeGreaterThan(stoppingSeconds);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { resolve } from "node:path";
import { loadConfig } from "../../../src/config/config.ts";
import {
  applyObjects,
  deleteCopy,
  kubectl,
  type ManifestObject,
  manifestStream,
  renameDeploy,
  renderDeploy,
} from "../../helpers/deploy.ts";

// overlays/edge (stackd with STACK_EXPOSURE=edge, plus deploy/edge's HAProxy) through the real API
// server: namespaces created for real under this test's own names, everything else as a server-side
// dry run, as test/integration/deploy/kustomization.test.ts does for deploy/.
const overlay = resolve(import.meta.dir, "../../../overlays/edge");
const suffix = `edge-${crypto.randomUUID().slice(0, 8)}`;
let objects: ManifestObject[] = [];

const named = (kind: string, name: string) =>
  objects.find((object) => object.kind === kind && object.metadata.name === name) as ManifestObject;

const dryRun = (verb: "apply" | "create", applied: ManifestObject[]) =>
  kubectl([verb, "--dry-run=server", "-f", "-"], manifestStream(applied));

beforeAll(async () => {
  objects = renameDeploy(await renderDeploy(overlay), suffix);
  await applyObjects(objects.filter((object) => ["Namespace", "ServiceAccount"].includes(object.kind)));
});

afterAll(() => deleteCopy(objects));

describe("kubectl apply -k overlays/edge/", () => {
  it("passes a server-side dry run with no warning", async () => {
    const result = await dryRun("apply", objects);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("deployment.apps/stackd-edge created (server dry run)");
  });

  it("gives HAProxy a pod that the restricted profile admits", async () => {
    const deployment = named("Deployment", "stackd-edge");
    const pod: ManifestObject = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "stackd-edge-dry-run", namespace: deployment.metadata.namespace ?? "" },
      spec: deployment.spec.template.spec,
    };
    const result = await dryRun("create", [pod]);
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
  });

  it("configures stackd for the edge it ships, in settings stackd accepts", () => {
    const stackd = named("Deployment", "stackd");
    const env = Object.fromEntries(
      (stackd.spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>)
        .filter((variable) => variable.value !== undefined)
        .map((variable) => [variable.name, variable.value as string]),
    );
    const config = loadConfig({ ...env, API_KEY: "x", STACK_NETWORK_ISOLATION: "on" });
    expect(config.exposure.mode).toBe("edge");
    expect(config.exposure.edge?.map).toBe("/var/lib/haproxy/stacks.map");
    const haproxy = named("Deployment", "stackd-edge");
    const edgeEnv = haproxy.spec.template.spec.containers[0].env as Array<{ name: string; value: string }>;
    expect(edgeEnv.find((variable) => variable.name === "EDGE_MAP")?.value).toBe(config.exposure.edge?.map);
    expect(config.exposure.edgePeers?.podLabels).toEqual(haproxy.spec.template.metadata.labels);
  });

  it("lets only stackd's pods reach the runtime API", () => {
    const policy = named("NetworkPolicy", "stackd-edge");
    const admin = policy.spec.ingress.find(
      (rule: { ports: Array<{ port: number }> }) => rule.ports[0]?.port === 9999,
    );
    expect(admin.from).toHaveLength(1);
    expect(admin.from[0].podSelector.matchLabels).toEqual({ "app.kubernetes.io/name": "stackd" });
  });
});

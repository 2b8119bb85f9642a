import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { loadConfig } from "../../../src/config/config.ts";
import {
  applyObjects,
  deleteCopy,
  kubectl,
  type ManifestObject,
  manifestStream,
  renameDeploy,
} from "../../helpers/deploy.ts";
import { helmTemplate } from "../../helpers/helm.ts";

// charts/stackd's render through the real API server, as test/integration/deploy/kustomization.test.ts
// does for deploy/: its namespaces created for real under this test's own names (renameDeploy, so that
// no other test or installation is met), everything else applied with a server-side dry run.
const nonDefault = {
  "namespaces.stacks": "ctf-stacks",
  replicas: 1,
  "leaderElection.enabled": false,
  networkIsolation: true,
  "exposure.mode": "gateway",
  "exposure.domain": "inst.example.org",
  "exposure.gateway.ref": "gateways/ctf",
  "exposure.edgePeers.namespace": "gateways",
  "exposure.edgePeers.podLabels": { "app.kubernetes.io/name": "envoy" },
};
const renders: Record<string, ManifestObject[]> = {};

const deploymentOf = (render: string) =>
  (renders[render] as ManifestObject[]).find((object) => object.kind === "Deployment") as ManifestObject;

const dryRun = (verb: "apply" | "create", applied: ManifestObject[]) =>
  kubectl([verb, "--dry-run=server", "-f", "-"], manifestStream(applied));

beforeAll(async () => {
  for (const [name, values] of Object.entries({ default: {}, "non-default": nonDefault })) {
    const rendered = await helmTemplate({ ...values, "namespaces.createStackd": true });
    renders[name] = renameDeploy(rendered, `helm-${crypto.randomUUID().slice(0, 8)}`);
  }
  await applyObjects(
    Object.values(renders)
      .flat()
      .filter((object) => ["Namespace", "ServiceAccount"].includes(object.kind)),
  );
});

afterAll(() => Promise.all(Object.values(renders).map(deleteCopy)));

describe.each(["default", "non-default"])(
  "helm template charts/stackd (%s values) | kubectl apply",
  (name) => {
    it("passes a server-side dry run with no warning", async () => {
      const objects = renders[name] as ManifestObject[];
      const result = await dryRun("apply", objects);
      expect(result.stderr).toBe("");
      expect(result.exitCode).toBe(0);
      expect(result.stdout.trim().split("\n")).toHaveLength(objects.length);
      expect(result.stdout).toContain("deployment.apps/stackd created (server dry run)");
    });

    it("gives stackd a pod that the restricted profile admits in its namespace", async () => {
      const deployment = deploymentOf(name);
      const pod: ManifestObject = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "stackd-dry-run", namespace: deployment.metadata.namespace ?? "" },
        spec: deployment.spec.template.spec,
      };
      const result = await dryRun("create", [pod]);
      expect(result.stderr).toBe("");
      expect(result.exitCode).toBe(0);
    });
  },
);

describe("the non-default render's settings", () => {
  it("are settings stackd accepts: gateway exposure, isolation with the edge's pods, no leader election", () => {
    const deployment = deploymentOf("non-default");
    const env = Object.fromEntries(
      (deployment.spec.template.spec.containers[0].env as Array<{ name: string; value?: string }>)
        .filter((variable) => variable.value !== undefined)
        .map((variable) => [variable.name, variable.value as string]),
    );
    const config = loadConfig({ ...env, API_KEY: "x" });
    expect(config.exposure.mode).toBe("gateway");
    expect(config.exposure.gateway?.name).toBe("ctf");
    expect(config.exposure.edgePeers).toEqual({
      namespace: "gateways",
      podLabels: { "app.kubernetes.io/name": "envoy" },
    });
    expect(env.STACK_NAMESPACE).toMatch(/^ctf-stacks-helm-/);
    expect(env).not.toHaveProperty("LEADER_ELECTION_ENABLED");
  });
});

import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { resolve } from "node:path";
import {
  applyObjects,
  deleteCopy,
  envValueOf,
  kubectl,
  type ManifestObject,
  manifestStream,
  renameDeploy,
  renderDeploy,
} from "../../helpers/deploy.ts";

// overlays/renamed-stacks-namespace: deploy/ with the stacks namespace renamed in one place (its
// ConfigMap), checked as kubectl renders it and through the real API server (renamed again for this test).
const overlay = resolve(import.meta.dir, "../../../overlays/renamed-stacks-namespace");
let rendered: ManifestObject[] = [];
let copy: ManifestObject[] = [];

beforeAll(async () => {
  rendered = await renderDeploy(overlay);
  copy = renameDeploy(rendered, `renamed-${crypto.randomUUID().slice(0, 8)}`);
  await applyObjects(copy.filter((object) => ["Namespace", "ServiceAccount"].includes(object.kind)));
});

afterAll(() => deleteCopy(copy));

describe("kubectl kustomize overlays/renamed-stacks-namespace/", () => {
  it("leaves no reference to the namespace stacks, and no ConfigMap", async () => {
    expect(JSON.stringify(rendered)).not.toMatch(/"stacks"/);
    expect(rendered.filter((object) => object.kind === "ConfigMap")).toEqual([]);
    expect(rendered).toHaveLength((await renderDeploy()).length);
  });

  it("puts the Namespace, the Role, its binding, the ingress policy and STACK_NAMESPACE in ctf-stacks", () => {
    const named = (kind: string) => rendered.filter((object) => object.kind === kind);
    expect(named("Namespace").map((object) => object.metadata.name)).toContain("ctf-stacks");
    const role = named("Role").find((object) => object.metadata.name === "stackd");
    const binding = named("RoleBinding").find((object) => object.metadata.name === "stackd");
    expect([role?.metadata.namespace, binding?.metadata.namespace]).toEqual(["ctf-stacks", "ctf-stacks"]);
    const policies = named("NetworkPolicy").map(
      (object) => `${object.metadata.namespace}/${object.metadata.name}`,
    );
    // stackd's own policy stays beside stackd; the stacks' one moves.
    expect(policies.sort()).toEqual(["ctf-stacks/deny-ingress-to-non-stack-pods", "stackd/stackd"]);
    expect(envValueOf(named("Deployment")[0] as ManifestObject, "STACK_NAMESPACE")).toBe("ctf-stacks");
  });

  it("passes a server-side dry run with no warning", async () => {
    const result = await kubectl(["apply", "--dry-run=server", "-f", "-"], manifestStream(copy));
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("rolebinding.rbac.authorization.k8s.io/stackd created (server dry run)");
  });
});

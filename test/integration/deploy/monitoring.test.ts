import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { join } from "node:path";
import {
  applyPrometheusOperatorCrds,
  ensurePrometheusOperatorCrds,
} from "../../../tools/cluster/prometheus-operator.ts";
import { createTestNamespace, deleteTestNamespace, testKubeClient } from "../../helpers/cluster.ts";
import { deployDir, kubectl, manifestStream, renderDeploy } from "../../helpers/deploy.ts";

// deploy/monitoring/ through the real API server, with the prometheus-operator's CRDs installed as
// `cluster up` installs them (server-side apply, idempotent; CRDs are cluster-scoped and are left in
// place). The objects go to this test's own namespace as a server-side dry run, which validates them
// against the CRDs' schemas (PromQL itself is checked by the operator's webhook, not the schema).
const kube = testKubeClient();
let namespace = "";

beforeAll(async () => {
  const crds = ensurePrometheusOperatorCrds(() => {});
  await applyPrometheusOperatorCrds(kube.transport, crds);
  namespace = await createTestNamespace(kube, "monitoring");
}, 120_000);

afterAll(() => deleteTestNamespace(kube, namespace));

describe("kubectl apply -k deploy/monitoring/", () => {
  it("installs the CRDs a second time without applying anything", async () => {
    const crds = ensurePrometheusOperatorCrds(() => {});
    expect(await applyPrometheusOperatorCrds(kube.transport, crds)).toEqual([]);
  });

  it("passes a server-side dry run against the prometheus-operator CRDs with no warning", async () => {
    const objects = (await renderDeploy(join(deployDir, "monitoring"))).map((object) => ({
      ...object,
      metadata: { ...object.metadata, namespace },
    }));
    expect(objects.map((object) => object.kind).sort()).toEqual(["PrometheusRule", "ServiceMonitor"]);
    const result = await kubectl(["apply", "--dry-run=server", "-f", "-"], manifestStream(objects));
    expect(result.stderr).toBe("");
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain("servicemonitor.monitoring.coreos.com/stackd created (server dry run)");
    expect(result.stdout).toContain("prometheusrule.monitoring.coreos.com/stackd created (server dry run)");
  });

  it("is refused by the CRD schema when an alert has no expression", async () => {
    const [rule] = (await renderDeploy(join(deployDir, "monitoring"))).filter(
      (object) => object.kind === "PrometheusRule",
    );
    if (!rule) throw new Error("deploy/monitoring/ has no PrometheusRule");
    const broken = structuredClone(rule);
    broken.metadata.namespace = namespace;
    broken.spec.groups[0].rules[0].expr = undefined;
    const result = await kubectl(["apply", "--dry-run=server", "-f", "-"], manifestStream([broken]));
    expect(result.exitCode).not.toBe(0);
  });
});

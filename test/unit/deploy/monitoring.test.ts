import { describe, expect, it } from "bun:test";
import { join } from "node:path";
import { parse } from "yaml";
import { createMetrics } from "../../../src/metrics/metrics.ts";
import { deployDir, deployedObject, type ManifestObject } from "../../helpers/deploy.ts";

const monitoringDir = join(deployDir, "monitoring");
const read = async (path: string) => parse(await Bun.file(path).text());

async function monitoringResources(): Promise<ManifestObject[]> {
  const kustomization = (await read(join(monitoringDir, "kustomization.yaml"))) as { resources: string[] };
  return Promise.all(kustomization.resources.map((file) => read(join(monitoringDir, file))));
}

const ofKind = async (kind: string) =>
  (await monitoringResources()).find((object) => object.kind === kind) as ManifestObject;

interface Rule {
  alert: string;
  expr: string;
}

describe("deploy/monitoring/", () => {
  it("stays out of deploy/'s default resources (its kinds need the prometheus-operator CRDs)", async () => {
    const kustomization = (await read(join(deployDir, "kustomization.yaml"))) as { resources: string[] };
    expect(kustomization.resources.some((resource) => resource.includes("monitoring"))).toBe(false);
  });

  it("has a ServiceMonitor that selects deploy/'s Service by its labels and scrapes its named port", async () => {
    const monitor = await ofKind("ServiceMonitor");
    const service = await deployedObject("Service", "stackd");
    expect(monitor.metadata.namespace).toBe(service.metadata.namespace);
    for (const [key, value] of Object.entries(monitor.spec.selector.matchLabels as Record<string, string>))
      expect(service.metadata.labels?.[key]).toBe(value);
    const portNames = (service.spec.ports as Array<{ name: string }>).map((port) => port.name);
    for (const endpoint of monitor.spec.endpoints as Array<{ port: string; path: string }>) {
      expect(portNames).toContain(endpoint.port);
      expect(endpoint.path).toBe("/metrics");
    }
  });

  it("alerts on no leader, create failures, NodePorts, watch restarts and database write errors", async () => {
    const rules = ((await ofKind("PrometheusRule")).spec.groups as Array<{ rules: Rule[] }>).flatMap(
      (group) => group.rules,
    );
    expect(rules.map((rule) => rule.alert).sort()).toEqual([
      "StackdCreateFailures",
      "StackdDatabaseWriteErrors",
      "StackdNoLeader",
      "StackdNodePortsNearlyExhausted",
      "StackdWatchRestarts",
    ]);
  });

  it("alerts only on metrics stackd's registry exports", async () => {
    const exported = new Set(
      (await createMetrics().registry.getMetricsAsJSON()).map((metric) => metric.name),
    );
    const rules = ((await ofKind("PrometheusRule")).spec.groups as Array<{ rules: Rule[] }>).flatMap(
      (group) => group.rules,
    );
    for (const rule of rules) {
      const names = [...rule.expr.matchAll(/stackd_[a-z0-9_]+/g)].map((match) => match[0]);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) expect(exported).toContain(name.replace(/_(bucket|sum|count)$/, ""));
    }
  });

  it("reads stacks and NodePorts from the leader only (every replica holds every stack)", async () => {
    const rules = ((await ofKind("PrometheusRule")).spec.groups as Array<{ rules: Rule[] }>).flatMap(
      (group) => group.rules,
    );
    for (const rule of rules.filter((candidate) => /stackd_(stacks|nodeports_)/.test(candidate.expr)))
      expect(rule.expr).toContain("and on (instance) (stackd_leader == 1)");
  });
});

import { describe, expect, it } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createMetrics } from "../../../src/metrics/metrics.ts";

const dashboard = JSON.parse(
  readFileSync(join(import.meta.dir, "../../../deploy/grafana-dashboard.json"), "utf8"),
) as {
  panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
};

describe("deploy/grafana-dashboard.json", () => {
  it("queries only metrics stackd exports, and shows every stackd metric", async () => {
    const exported = (await createMetrics().registry.getMetricsAsJSON()).map((metric) => metric.name);
    const queried = new Set(
      dashboard.panels.flatMap((panel) =>
        panel.targets.flatMap((target) =>
          [...target.expr.matchAll(/stackd_[a-z0-9_]+/g)].map((match) => match[0]),
        ),
      ),
    );
    const base = (name: string) => name.replace(/_(bucket|sum|count)$/, "");
    for (const name of queried) expect(exported).toContain(base(name));
    const own = exported.filter(
      (name) => !name.startsWith("stackd_process_") && !name.startsWith("stackd_nodejs_"),
    );
    for (const name of own) expect([...queried].map(base)).toContain(name);
  });
});

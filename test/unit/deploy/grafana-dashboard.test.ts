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

  // Every replica holds every stack (and a follower's NodePort allocator is idle), so a panel that
  // summed them over pods showed each stack three times with deploy/'s three replicas.
  it.each(["stackd_stacks", "stackd_nodeports_in_use", "stackd_nodeports_free"])(
    "reads %s from the leader only",
    (metric) => {
      const exprs = dashboard.panels.flatMap((panel) => panel.targets.map((target) => target.expr));
      const reading = exprs.filter((expr) => new RegExp(`\\b${metric}\\b`).test(expr));
      expect(reading.length).toBeGreaterThan(0);
      for (const expr of reading) expect(expr).toContain(`${metric} and on (instance) (stackd_leader == 1)`);
    },
  );
});

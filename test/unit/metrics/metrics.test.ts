import { describe, expect, it } from "bun:test";
import type { WatchHealth } from "../../../src/kube/watch.ts";
import {
  createMetrics,
  createReasons,
  resourceOf,
  storeTables,
  watchedResources,
  watchObserver,
} from "../../../src/metrics/metrics.ts";

describe("resourceOf", () => {
  it.each([
    ["/api/v1/namespaces/stacks/pods", "pods"],
    ["/api/v1/namespaces/stacks/pods/stack-1", "pods"],
    ["/api/v1/namespaces/stacks/services/svc-1", "services"],
    ["/api/v1/nodes", "nodes"],
    ["/api/v1/services", "services"],
    ["/apis/networking.k8s.io/v1/namespaces/stacks/networkpolicies/x", "networkpolicies"],
    ["/apis/coordination.k8s.io/v1/namespaces/stackd/leases/container-provisioner", "leases"],
    ["/api/v1/namespaces/stacks", "namespaces"],
  ])("names %s as %s", (path, resource) => {
    expect(resourceOf(path)).toBe(resource);
  });
});

describe("watchObserver", () => {
  const health = (overrides: Partial<WatchHealth>): WatchHealth => ({
    state: "watching",
    resourceVersion: "1",
    lists: 1,
    connects: 1,
    lastEventAt: undefined,
    lastError: undefined,
    failures: 0,
    ...overrides,
  });

  it("counts reconnects and relists after the first, not the first themselves", async () => {
    const metrics = createMetrics();
    const observe = watchObserver(metrics, "pods");
    observe(health({ lists: 0, connects: 0, state: "listing" }));
    observe(health({ lists: 1, connects: 1 }));
    observe(health({ lists: 1, connects: 2 }));
    observe(health({ lists: 2, connects: 2 }));
    const text = await metrics.registry.metrics();
    expect(text).toContain('stackd_watch_restarts_total{resource="pods",reason="renewed"} 1');
    expect(text).toContain('stackd_watch_relists_total{resource="pods",reason="expired"} 1');
  });
});

describe("a fresh registry", () => {
  it("exposes every known counter series at 0, so that rate() and absent() work before the first event", async () => {
    const text = await createMetrics().registry.metrics();
    for (const reason of createReasons) {
      const result = reason === "created" ? "created" : "failed";
      expect(text).toContain(`stackd_creates_total{result="${result}",reason="${reason}"} 0`);
    }
    for (const result of ["created", "failed"])
      expect(text).toContain(`stackd_create_duration_seconds_count{result="${result}"} 0`);
    for (const resource of watchedResources) {
      expect(text).toContain(`stackd_watch_restarts_total{resource="${resource}",reason="renewed"} 0`);
      expect(text).toContain(`stackd_watch_relists_total{resource="${resource}",reason="expired"} 0`);
    }
    for (const table of storeTables)
      expect(text).toContain(`stackd_sqlite_write_errors_total{table="${table}"} 0`);
    expect(text).toContain("stackd_live_clients_dropped_total 0");
  });

  it("counts on from 0 after a failure", async () => {
    const metrics = createMetrics();
    metrics.creates.inc({ result: "failed", reason: "no_port_available" });
    const text = await metrics.registry.metrics();
    expect(text).toContain('stackd_creates_total{result="failed",reason="no_port_available"} 1');
    expect(text).toContain('stackd_creates_total{result="created",reason="created"} 0');
  });
});

describe("stackd_leader", () => {
  it("reads 0 until leadership is bound, then follows it at each scrape", async () => {
    const metrics = createMetrics();
    const leader = async () =>
      (await metrics.registry.getSingleMetric("stackd_leader")?.get())?.values[0]?.value;
    expect(await leader()).toBe(0);
    let leading = true;
    metrics.bindLeadership(() => leading);
    expect(await leader()).toBe(1);
    leading = false;
    expect(await leader()).toBe(0);
  });
});

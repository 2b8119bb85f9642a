import { describe, expect, it } from "bun:test";
import type { WatchHealth } from "../../../src/kube/watch.ts";
import { createMetrics, resourceOf, watchObserver } from "../../../src/metrics/metrics.ts";

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

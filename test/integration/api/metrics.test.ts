import { afterAll, describe, expect, it } from "bun:test";
import { deleteTestNamespace, eventually, testKubeClient } from "../../helpers/cluster.ts";
import { podSpecYaml, startTestStackd, type TestStackd } from "../../helpers/stackd.ts";

const kube = testKubeClient();
const started: TestStackd[] = [];

afterAll(async () => {
  for (const service of started) {
    await service.stop();
    await deleteTestNamespace(kube, service.namespace);
  }
});

async function metricsText(service: TestStackd, headers: Record<string, string> = {}) {
  const response = await service.stackd.app.handle(new Request("http://localhost/metrics", { headers }));
  return { status: response.status, type: response.headers.get("content-type"), text: await response.text() };
}

/** The value of one sample line, e.g. `stackd_stacks{status="running"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("GET /metrics", () => {
  it("serves Prometheus metrics without the key: stacks, creates, time to running, Kubernetes requests, NodePorts", async () => {
    const service = await startTestStackd(kube);
    started.push(service);
    const created = await service.call("POST", "/stacks", { target_port: 80, pod_spec: podSpecYaml() });
    expect(created.status).toBe(201);
    const refused = await service.call("POST", "/stacks", {
      target_port: 80,
      pod_spec: `${podSpecYaml()}\n  hostNetwork: true`,
    });
    expect(refused.status).toBe(400);
    const text = await eventually("the stack to run", async () => {
      const { text } = await metricsText(service);
      return sample(text, 'stackd_stacks{status="running"}') === 1 ? text : undefined;
    });
    const { status, type } = await metricsText(service);
    expect(status).toBe(200);
    expect(type).toStartWith("text/plain");
    expect(sample(text, 'stackd_creates_total{result="created",reason="created"}')).toBe(1);
    expect(sample(text, "stackd_time_to_running_seconds_count")).toBe(1);
    expect(sample(text, 'stackd_kube_requests_total{verb="post",resource="pods",code="201"}')).toBe(1);
    expect(sample(text, 'stackd_kube_requests_total{verb="post",resource="services",code="201"}')).toBe(1);
    expect(sample(text, "stackd_nodeports_in_use")).toBe(1);
    expect(sample(text, "stackd_nodeports_free")).toBeGreaterThan(0);
    expect(sample(text, "stackd_live_clients")).toBe(0);
    expect(sample(text, "stackd_leader")).toBe(1);
    expect(sample(text, 'stackd_creates_total{result="failed",reason="no_port_available"}')).toBe(0);
    expect(text).toContain("stackd_create_duration_seconds_bucket");
    expect(text).toContain("stackd_kube_request_duration_seconds_bucket");
    expect(text).toContain("stackd_process_resident_memory_bytes");
  });

  it("needs the key when METRICS_REQUIRE_KEY=true", async () => {
    const service = await startTestStackd(kube, { METRICS_REQUIRE_KEY: "true" });
    started.push(service);
    expect((await metricsText(service)).status).toBe(401);
    expect((await metricsText(service, { "x-api-key": "test-api-key" })).status).toBe(200);
  });
});

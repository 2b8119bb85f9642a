import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { kwokContainerLogLines } from "../../../tools/cluster/kwok-config.ts";
import { eventually, testKubeClient } from "../../helpers/cluster.ts";
import { podSpecYaml, startTestStackd, stopAndRemove, type TestStackd } from "../../helpers/stackd.ts";

// The local cluster's kwok serves every container's log from one file (tools/cluster/kwok-config.ts),
// so these reads go the whole way: stackd, the API server's pods/log, kwok's kubelet endpoint.

const kube = testKubeClient();
let service: TestStackd;
let stackId = "";

beforeAll(async () => {
  service = await startTestStackd(kube);
  const created = await service.call("POST", "/stacks", {
    target_port: 80,
    pod_spec: podSpecYaml({ containers: 2 }),
  });
  expect(created.status).toBe(201);
  stackId = created.body.stack_id;
  await eventually("the stack to run", async () =>
    (await service.call("GET", `/stacks/${stackId}`)).body?.status === "running" ? true : undefined,
  );
});

afterAll(async () => {
  await stopAndRemove(kube, service);
});

describe("GET /stacks/{id}/logs", () => {
  it("answers the first container's last lines, read through pods/log from the node", async () => {
    const answer = await service.call("GET", `/stacks/${stackId}/logs`);
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({
      stack_id: stackId,
      container: "app",
      containers: ["app", "side0"],
      lines: kwokContainerLogLines,
    });
  });

  it("answers only the last `tail` lines of the container asked for", async () => {
    const answer = await service.call("GET", `/stacks/${stackId}/logs?container=side0&tail=2`);
    expect(answer.status).toBe(200);
    expect(answer.body.container).toBe("side0");
    expect(answer.body.lines).toEqual(kwokContainerLogLines.slice(-2));
  });

  it("refuses a container the pod does not have with 400, and a tail above the cap", async () => {
    const unknown = await service.call("GET", `/stacks/${stackId}/logs?container=nope`);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toBe("container nope is not in the stack's pod (app, side0)");
    expect((await service.call("GET", `/stacks/${stackId}/logs?tail=1001`)).status).toBe(400);
  });

  it("answers 404 for an unknown stack", async () => {
    const answer = await service.call("GET", "/stacks/stack-0000000000000000/logs");
    expect(answer).toEqual({ status: 404, body: { error: "stack not found" } });
  });
});

describe("GET /stacks/{id}/events", () => {
  it("answers the Pod's Events: the scheduler's Scheduled among them", async () => {
    const answer = await eventually("the Scheduled event", async () => {
      const events = await service.call("GET", `/stacks/${stackId}/events`);
      return events.body?.events?.some((event: { reason: string }) => event.reason === "Scheduled")
        ? events
        : undefined;
    });
    expect(answer.status).toBe(200);
    const scheduled = answer.body.events.find((event: { reason: string }) => event.reason === "Scheduled");
    expect(scheduled).toMatchObject({ type: "Normal", count: 1 });
    expect(scheduled.message).toContain(`Successfully assigned ${service.namespace}/${stackId}`);
    expect(Date.parse(scheduled.last_time)).toBeGreaterThan(0);
  });

  it("answers 404 for an unknown stack", async () => {
    expect((await service.call("GET", "/stacks/stack-0000000000000000/events")).status).toBe(404);
  });
});

describe("a stack whose Pod is gone", () => {
  it("answers 409: no logs to read", async () => {
    await kube.core.deleteNamespacedPod({
      name: stackId,
      namespace: service.namespace,
      gracePeriodSeconds: 0,
    });
    const answer = await eventually("the logs to be unavailable", async () => {
      const logs = await service.call("GET", `/stacks/${stackId}/logs`);
      return logs.status === 200 ? undefined : logs;
    });
    expect(answer.status).toBe(409);
    expect(answer.body.error).toBe("logs not available yet: the stack's pod is gone");
  });
});

describe("GET /nodes", () => {
  it("lists the stack nodes with capacity, ExternalIP, their stacks and the free NodePorts", async () => {
    const second = await service.call("POST", "/stacks", { target_port: 80, pod_spec: podSpecYaml() });
    expect(second.status).toBe(201);
    const answer = await service.call("GET", "/nodes");
    expect(answer.status).toBe(200);
    expect(answer.body.exposure).toBe("nodeport");
    expect(answer.body.free_node_ports).toBeGreaterThan(0);
    const names = answer.body.nodes.map((node: { name: string }) => node.name);
    expect(names).toContain("stack-node-1");
    expect(names).not.toContain("backend-node-1");
    const node = answer.body.nodes.find((candidate: { name: string }) => candidate.name === "stack-node-1");
    expect(node).toMatchObject({
      external_ip: "203.0.113.11",
      ready: true,
      capacity: { cpu: "64", memory: "256Gi" },
      allocatable: { cpu: "64", memory: "256Gi" },
      free_host_ports: null,
    });
    const stacks = answer.body.nodes.reduce((sum: number, each: { stacks: number }) => sum + each.stacks, 0);
    expect(stacks).toBeGreaterThanOrEqual(1);
  });
});

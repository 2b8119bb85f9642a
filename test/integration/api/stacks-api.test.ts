import { afterAll, afterEach, beforeAll, describe, expect, it } from "bun:test";
import { deleteTestNamespace, eventually, gone, testKubeClient } from "../../helpers/cluster.ts";
import {
  contractPodSpec,
  podSpecYaml,
  startTestStackd,
  type TestStackd,
  testApiKey,
} from "../../helpers/stackd.ts";

const kube = testKubeClient();
let service: TestStackd;

beforeAll(async () => {
  service = await startTestStackd(kube, { STACK_TTL: "2h" });
});

afterAll(async () => {
  await service.stop();
  await deleteTestNamespace(kube, service.namespace);
});

describe("authentication", () => {
  it("accepts the key from the X-API-KEY header", async () => {
    expect(await service.call("GET", "/healthz")).toEqual({ status: 200, body: { status: "ok" } });
  });

  it("accepts the key from the api_key query parameter", async () => {
    expect((await service.call("GET", `/healthz?api_key=${testApiKey}`, undefined, {})).status).toBe(200);
  });

  it("serves without a key when API_KEY_ENABLED=false", async () => {
    const open = await startTestStackd(
      kube,
      { API_KEY_ENABLED: "false", API_KEY: "" },
      { namespace: service.namespace },
    );
    try {
      expect((await open.call("GET", "/stats", undefined, {})).status).toBe(200);
    } finally {
      await open.stop();
    }
  });

  it("answers 401 invalid api key for a wrong or missing key", async () => {
    const wrong = await service.call("GET", "/stacks", undefined, { "x-api-key": "nope" });
    expect(wrong).toEqual({ status: 401, body: { error: "invalid api key" } });
    expect((await service.call("GET", "/stats", undefined, {})).status).toBe(401);
  });
});

describe("POST /stacks", () => {
  const createdIds: string[] = [];

  /** Creates a stack from the contract's example; afterEach deletes it, so every case starts from none. */
  async function createStack() {
    const { status, body } = await service.call("POST", "/stacks", {
      target_port: 80,
      pod_spec: contractPodSpec,
    });
    if (typeof body?.stack_id === "string") createdIds.push(body.stack_id);
    expect(status).toBe(201);
    return body;
  }

  /** The stack's short status once it reports running. */
  const runningStatus = (stackId: string) =>
    eventually("running", async () => {
      const { body } = await service.call("GET", `/stacks/${stackId}/status`);
      return body.status === "running" ? body : undefined;
    });

  afterEach(async () => {
    // DELETE resolves once the stack is torn down and forgotten; one the case deleted itself answers 404.
    for (const stackId of createdIds.splice(0)) await service.call("DELETE", `/stacks/${stackId}`);
  });

  it("creates the contract's example stack: 201 with node, public IP, port and sanitised spec", async () => {
    const started = Date.now();
    const body = await createStack();
    const stackId = body.stack_id;
    expect(stackId).toMatch(/^stack-[0-9a-f]{16}$/);
    expect(body.pod_id).toBe(stackId);
    expect(body.namespace).toBe(service.namespace);
    expect(body.service_name).toBe(`svc-${stackId}`);
    expect(["stack-node-1", "stack-node-2"]).toContain(body.node_id);
    expect(body.node_public_ip).toMatch(/^203\.0\.113\.1[12]$/);
    expect(body.node_port).toBeGreaterThanOrEqual(31001);
    expect(body.node_port).toBeLessThanOrEqual(32767);
    expect(body.target_port).toBe(80);
    expect(["creating", "running"]).toContain(body.status);
    expect(body.requested_cpu_milli).toBe(100);
    expect(body.requested_memory_bytes).toBe(134217728);
    expect(body.pod_spec).toContain("automountServiceAccountToken: false");
    const created = Date.parse(body.created_at);
    expect(created).toBeGreaterThanOrEqual(started - 1000);
    expect(Date.parse(body.ttl_expires_at) - created).toBe(2 * 3_600_000);
  });

  it("creates a Pod named after the stack with stackd's labels and the node role selector", async () => {
    const { stack_id: stackId } = await createStack();
    const pod = await kube.core.readNamespacedPod({ name: stackId, namespace: service.namespace });
    expect(pod.metadata?.labels?.["stackd.io/stack-id"]).toBe(stackId);
    expect(pod.metadata?.labels?.["app.kubernetes.io/instance"]).toBe(stackId);
    expect(pod.spec?.nodeSelector).toEqual({ role: "stack" });
    expect(pod.spec?.restartPolicy).toBe("Never");
    expect(pod.spec?.containers[0]?.securityContext?.privileged).toBe(false);
  });

  it("creates a NodePort Service svc-<id> that selects the pod on the leased port", async () => {
    const { stack_id: stackId } = await createStack();
    const svc = await kube.core.readNamespacedService({
      name: `svc-${stackId}`,
      namespace: service.namespace,
    });
    const view = (await service.call("GET", `/stacks/${stackId}`)).body;
    expect(svc.spec?.type).toBe("NodePort");
    expect(svc.spec?.selector).toEqual({ "stackd.io/stack-id": stackId });
    expect(svc.spec?.ports?.[0]).toMatchObject({ port: 80, nodePort: view.node_port, protocol: "TCP" });
  });

  it("reports running once the pod is Ready", async () => {
    const { stack_id: stackId } = await createStack();
    const status = await runningStatus(stackId);
    expect(Object.keys(status).sort()).toEqual([
      "node_port",
      "node_public_ip",
      "stack_id",
      "status",
      "target_port",
      "ttl",
    ]);
  });

  it("lists the stack and counts it in /stats", async () => {
    const { stack_id: stackId } = await createStack();
    // Running, so that no status change comes between the two list reads.
    await runningStatus(stackId);
    const list = await service.call("GET", "/stacks");
    expect(list.body.stacks.map((stack: { stack_id: string }) => stack.stack_id)).toContain(stackId);
    // The body is cached between changes: a second read serves the same buffer, byte for byte.
    const rawList = async () =>
      (
        await service.stackd.app.handle(
          new Request("http://localhost/stacks", { headers: { "x-api-key": testApiKey } }),
        )
      ).text();
    const cached = service.stackd.reads.listBytes();
    const first = await rawList();
    const second = await rawList();
    expect(second).toBe(first);
    expect(first).toBe(new TextDecoder().decode(cached));
    expect(service.stackd.reads.listBytes()).toBe(cached);
    expect(JSON.parse(first)).toEqual(list.body);
    const stats = (await service.call("GET", "/stats")).body;
    expect(stats.total_stacks).toBe(1);
    expect(stats.active_stacks).toBe(1);
    expect(stats.used_node_ports).toBe(1);
    expect(stats.reserved_cpu_milli).toBe(100);
    expect(stats.reserved_memory_bytes).toBe(134217728);
    expect(Object.values(stats.node_distribution)).toEqual([1]);
  });

  it("deletes Pod and Service on DELETE, then answers 404 for GET and DELETE", async () => {
    const { stack_id: stackId } = await createStack();
    await runningStatus(stackId);
    expect(await service.call("DELETE", `/stacks/${stackId}`)).toEqual({
      status: 200,
      body: { deleted: true, stack_id: stackId },
    });
    await eventually("the service to go", () =>
      gone(() => kube.core.readNamespacedService({ name: `svc-${stackId}`, namespace: service.namespace })),
    );
    await eventually("the pod to go", () =>
      gone(() => kube.core.readNamespacedPod({ name: stackId, namespace: service.namespace })),
    );
    expect(await service.call("GET", `/stacks/${stackId}`)).toEqual({
      status: 404,
      body: { error: "stack not found" },
    });
    expect((await service.call("GET", `/stacks/${stackId}/status`)).status).toBe(404);
    expect((await service.call("DELETE", `/stacks/${stackId}`)).status).toBe(404);
    expect((await service.call("GET", "/stats")).body.used_node_ports).toBe(0);
  });
});

describe("bad input", () => {
  it.each([
    ["invalid JSON", "{not json", "invalid request body"],
    ["an empty body", "", "invalid request body: empty body"],
    ["a JSON array", "[]", "expected a JSON object"],
    ["a missing target_port", { pod_spec: "kind: Pod" }, "target_port is required"],
    ["a string target_port", { target_port: "80", pod_spec: "kind: Pod" }, "target_port must be an integer"],
    ["a missing pod_spec", { target_port: 80 }, "pod_spec is required"],
    ["a numeric pod_spec", { target_port: 80, pod_spec: 5 }, "pod_spec must be a string"],
  ])("answers 400 for %s", async (_, body, message) => {
    const { status, body: answer } = await service.call("POST", "/stacks", body);
    expect(status).toBe(400);
    expect(answer.error).toContain(message);
  });

  it("answers 400 invalid pod spec for a hostNetwork pod", async () => {
    const spec = `${podSpecYaml()}\n  hostNetwork: true`;
    const { status, body } = await service.call("POST", "/stacks", { target_port: 80, pod_spec: spec });
    expect(status).toBe(400);
    expect(body.error).toStartWith("invalid pod spec: ");
  });

  it("answers 400 for a target_port that no container exposes", async () => {
    const { status, body } = await service.call("POST", "/stacks", {
      target_port: 8080,
      pod_spec: podSpecYaml(),
    });
    expect(status).toBe(400);
    expect(body.error).toStartWith("invalid pod spec: ");
  });

  it("answers 400 with the API server's own message when it refuses a pod the allowlist let through, leaving nothing behind", async () => {
    // The allowlist checks fields, not how they refer to each other: a mount naming no volume of the
    // pod passes it, and the real API server refuses the Pod with 422.
    const spec = `${podSpecYaml()}
      volumeMounts: [{name: missing, mountPath: /data}]`;
    const { status, body } = await service.call("POST", "/stacks", { target_port: 80, pod_spec: spec });
    expect(status).toBe(400);
    expect(body.error).toStartWith("invalid pod spec: ");
    expect(body.error).toContain("volumeMounts[0].name");
    expect((await service.call("GET", "/stats")).body.total_stacks).toBe(0);
    await eventually("no Service left", async () => {
      const services = await kube.core.listNamespacedService({ namespace: service.namespace });
      return services.items.length === 0 ? true : undefined;
    });
  });

  it("answers 400 for a body over the size limit", async () => {
    const { status, body } = await service.call("POST", "/stacks", {
      target_port: 80,
      pod_spec: "x".repeat(2_000_000),
    });
    expect(status).toBe(400);
    expect(body.error).toContain("limit");
  });

  it("answers 404 with an error body for an unknown path", async () => {
    expect(await service.call("GET", "/nope")).toEqual({ status: 404, body: { error: "not found" } });
  });
});

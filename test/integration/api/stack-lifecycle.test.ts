import { afterAll, afterEach, describe, expect, it } from "bun:test";
import { fakeNode } from "../../../tools/cluster/fixture.ts";
import {
  createTestNamespace,
  deleteTestNamespace,
  eventually,
  gone,
  testKubeClient,
} from "../../helpers/cluster.ts";
import { podSpecYaml, startTestStackd, type TestStackd, testApiKey } from "../../helpers/stackd.ts";

const kube = testKubeClient();
const started: TestStackd[] = [];

async function stackd(env: Record<string, string> = {}, options: { limits?: boolean } = {}) {
  const service = await startTestStackd(kube, env, options);
  started.push(service);
  return service;
}

afterEach(async () => {
  for (const service of started.splice(0)) {
    await service.stop();
    await deleteTestNamespace(kube, service.namespace);
  }
});

afterAll(async () => {
  for (const service of started.splice(0)) await service.stop();
});

/** A NodePort Service of no stack on `port`; false when the port is taken already. */
const squat = (namespace: string, name: string, port: number) =>
  kube.core
    .createNamespacedService({
      namespace,
      body: { metadata: { name }, spec: { type: "NodePort", ports: [{ port: 80, nodePort: port }] } },
    })
    .then(
      () => true,
      () => false,
    );

const statusOf = async (service: TestStackd, stackId: string) =>
  (await service.call("GET", `/stacks/${stackId}`)).body;

describe("stack lifecycle against the real cluster", () => {
  it("fails a stack whose pod fails (kwok chaos label), keeping a readable reason, until deleted", async () => {
    const service = await stackd();
    const spec = podSpecYaml({ labels: { "pod-container-running-failed.stage.kwok.x-k8s.io": "true" } });
    const created = await service.call("POST", "/stacks", { target_port: 80, pod_spec: spec });
    expect(created.status).toBe(201);
    const failed = await eventually("failed", async () => {
      const view = await statusOf(service, created.body.stack_id);
      return view.status === "failed" ? view : undefined;
    });
    expect(failed.status_reason).toContain("exited with code 1");
    const stats = (await service.call("GET", "/stats")).body;
    expect(stats.total_stacks).toBe(1);
    expect(stats.active_stacks).toBe(0);
    expect(stats.reserved_cpu_milli).toBe(0);
    expect((await service.call("DELETE", `/stacks/${created.body.stack_id}`)).status).toBe(200);
  });

  it("marks a stack node_deleted once its node is deleted, stamped after the deletion", async () => {
    const role = `doomed-${crypto.randomUUID().slice(0, 6)}`;
    await kube.core.createNode({ body: fakeNode({ name: role, role, externalIp: "203.0.113.77" }) });
    // A pod created before the scheduler knows the new node Ready is reported Unschedulable, which stackd
    // answers 503 at once (as the reference does): wait until a create is scheduled.
    const service = await stackd({ STACK_NODE_ROLE: role });
    const created = await eventually("a create on the new node", async () => {
      const answer = await service.call("POST", "/stacks", { target_port: 80, pod_spec: podSpecYaml() });
      return answer.status === 201 ? answer : undefined;
    });
    expect(created.status).toBe(201);
    expect(created.body.node_id).toBe(role);
    expect(created.body.node_public_ip).toBe("203.0.113.77");
    const beforeDeletion = await statusOf(service, created.body.stack_id);
    expect(beforeDeletion.status).not.toBe("node_deleted");
    const deletedAt = Date.now();
    await kube.core.deleteNode({ name: role });
    const view = await eventually(
      "node_deleted",
      async () => {
        const current = await statusOf(service, created.body.stack_id);
        return current.status === "node_deleted" ? current : undefined;
      },
      10_000,
    );
    expect(view.status_reason).toBe("node_deleted");
    expect(view.node_id).toBe(role);
    expect(Date.parse(view.updated_at)).toBeGreaterThanOrEqual(deletedAt);
  });

  it("expires a stack at its TTL: Pod, Service and record are removed", async () => {
    const service = await stackd({ STACK_TTL: "3s" });
    const created = await service.call("POST", "/stacks", { target_port: 80, pod_spec: podSpecYaml() });
    expect(created.status).toBe(201);
    const stackId = created.body.stack_id;
    await eventually(
      "expiry",
      async () => ((await service.call("GET", `/stacks/${stackId}`)).status === 404 ? true : undefined),
      15_000,
    );
    await eventually("service removal", () =>
      gone(() => kube.core.readNamespacedService({ name: `svc-${stackId}`, namespace: service.namespace })),
    );
    await eventually("pod removal", () =>
      gone(() => kube.core.readNamespacedPod({ name: created.body.pod_id, namespace: service.namespace })),
    );
    expect((await service.call("GET", "/stats")).body.used_node_ports).toBe(0);
  });

  it("creates a Service deleted behind stackd's back again, on the same NodePort", async () => {
    // A window of its own, so that no other stackd on the cluster takes the port while it is free.
    const port = 30100 + Math.floor(Math.random() * 400);
    const service = await stackd({ STACK_NODEPORT_MIN: String(port), STACK_NODEPORT_MAX: String(port + 4) });
    const created = await service.call("POST", "/stacks", { target_port: 80, pod_spec: podSpecYaml() });
    const stackId = created.body.stack_id;
    await eventually("running", async () =>
      (await statusOf(service, stackId)).status === "running" ? true : undefined,
    );
    const original = await kube.core.readNamespacedService({
      name: `svc-${stackId}`,
      namespace: service.namespace,
    });
    expect(original.metadata?.uid).toBeString();
    await kube.core.deleteNamespacedService({ name: `svc-${stackId}`, namespace: service.namespace });
    const again = await eventually("the service to come back", () =>
      kube.core
        .readNamespacedService({ name: `svc-${stackId}`, namespace: service.namespace })
        .then((current) => (current.metadata?.uid === original.metadata?.uid ? undefined : current))
        .catch(() => undefined),
    );
    expect(again.spec?.ports?.[0]?.nodePort).toBe(created.body.node_port);
    expect((await statusOf(service, stackId)).status).toBe("running");
  });

  it("answers 503 no available nodeport when the one-port range is leased, and reuses it after delete", async () => {
    const port = 31500 + Math.floor(Math.random() * 400);
    const service = await stackd({ STACK_NODEPORT_MIN: String(port), STACK_NODEPORT_MAX: String(port) });
    const first = await service.call("POST", "/stacks", { target_port: 80, pod_spec: podSpecYaml() });
    expect(first.status).toBe(201);
    expect(first.body.node_port).toBe(port);
    const second = await service.call("POST", "/stacks", { target_port: 80, pod_spec: podSpecYaml() });
    expect(second).toEqual({ status: 503, body: { error: "no available nodeport" } });
    await service.call("DELETE", `/stacks/${first.body.stack_id}`);
    const third = await service.call("POST", "/stacks", { target_port: 80, pod_spec: podSpecYaml() });
    expect(third.status).toBe(201);
    expect(third.body.node_port).toBe(port);
  });

  it("moves to another port when the API server says the leased one is already allocated", async () => {
    // stackd must learn of the squatter only from the 422, so it starts first; a port that another
    // test on the cluster holds already makes the squatter's create fail, and then another is tried.
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      const port = 30600 + Math.floor(Math.random() * 300);
      const service = await stackd({
        STACK_NODEPORT_MIN: String(port),
        STACK_NODEPORT_MAX: String(port + 1),
      });
      const squatted = await squat(service.namespace, `squatter-${attempt}`, port);
      if (!squatted) continue;
      const created = await service.call("POST", "/stacks", { target_port: 80, pod_spec: podSpecYaml() });
      expect(created.status).toBe(201);
      expect(created.body.node_port).toBe(port + 1);
      return;
    }
    throw new Error("no free port for the squatter in 5 attempts");
  });

  it("learns at start the NodePorts that Services elsewhere in the cluster hold, and never leases them", async () => {
    const elsewhere = await createTestNamespace(kube, "squat");
    try {
      for (let attempt = 1; attempt <= 5; attempt += 1) {
        const port = 30600 + Math.floor(Math.random() * 300);
        const squatted = await squat(elsewhere, `squatter-${attempt}`, port);
        if (!squatted) continue;
        const service = await stackd({
          STACK_NODEPORT_MIN: String(port),
          STACK_NODEPORT_MAX: String(port + 1),
        });
        // The cluster-wide list runs right after the start, not before serving: wait for it to land.
        await eventually("the squatted port to be known as taken", async () =>
          service.stackd.ports.freeCount() === 1 ? true : undefined,
        );
        const created = await service.call("POST", "/stacks", { target_port: 80, pod_spec: podSpecYaml() });
        expect(created.status).toBe(201);
        expect(created.body.node_port).toBe(port + 1);
        return;
      }
      throw new Error("no free port for the squatter in 5 attempts");
    } finally {
      await deleteTestNamespace(kube, elsewhere);
    }
  });

  it("answers 400 for a LimitRange violation and 503 for a ResourceQuota violation, leaving nothing behind", async () => {
    const service = await stackd({}, { limits: true });
    const tooBig = await service.call("POST", "/stacks", {
      target_port: 80,
      pod_spec: podSpecYaml({ cpu: "1" }),
    });
    expect(tooBig.status).toBe(400);
    expect(tooBig.body.error).toContain("maximum cpu usage per Container is 500m");
    const tooMany = await service.call("POST", "/stacks", {
      target_port: 80,
      // 13 x 500m is over the quota's 6 cpu; stackd allows 10 containers, so 3 of them are sidecars.
      pod_spec: podSpecYaml({ cpu: "500m", containers: 10, sidecars: 3 }),
    });
    expect(tooMany.status).toBe(503);
    expect(tooMany.body.error).toContain("exceeded quota");
    const stats = (await service.call("GET", "/stats")).body;
    expect(stats).toMatchObject({ total_stacks: 0, used_node_ports: 0 });
    const pods = await kube.core.listNamespacedPod({ namespace: service.namespace });
    expect(pods.items).toHaveLength(0);
  });

  it("answers 503 and rolls everything back when the pod cannot be scheduled in time", async () => {
    const service = await stackd({ STACK_NODE_ROLE: "no-such-role", STACK_SCHEDULING_TIMEOUT: "2s" });
    const result = await service.call("POST", "/stacks", { target_port: 80, pod_spec: podSpecYaml() });
    expect(result.status).toBe(503);
    expect(result.body.error).toContain("not schedulable");
    expect((await service.call("GET", "/stats")).body).toMatchObject({ total_stacks: 0, used_node_ports: 0 });
    await eventually("no services left", async () => {
      const services = await kube.core.listNamespacedService({ namespace: service.namespace });
      return services.items.length === 0 ? true : undefined;
    });
  });

  it("answers 503 pod not schedulable to a client that gives up after 5 s, as the scheduler reports it", async () => {
    // The real client of the contract waits 5 s; the default STACK_SCHEDULING_TIMEOUT is 20 s.
    const service = await stackd({ STACK_NODE_ROLE: "no-such-role" });
    const base = service.stackd.listen(0).url.toString().replace(/\/$/, "");
    const response = await fetch(`${base}/stacks`, {
      method: "POST",
      headers: { "x-api-key": testApiKey },
      body: JSON.stringify({ target_port: 80, pod_spec: podSpecYaml() }),
      signal: AbortSignal.timeout(5_000),
    });
    expect(response.status).toBe(503);
    const { error } = (await response.json()) as { error: string };
    expect(error).toStartWith("pod not schedulable: ");
    expect(error).toContain("node(s) didn't match Pod's node affinity/selector");
    await eventually("nothing left behind", async () => {
      const pods = await kube.core.listNamespacedPod({ namespace: service.namespace });
      const services = await kube.core.listNamespacedService({ namespace: service.namespace });
      return pods.items.length + services.items.length === 0 ? true : undefined;
    });
  });
});

import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { V1Service } from "@kubernetes/client-node";
import { createLogger } from "../../../src/log/logger.ts";
import { deleteTestNamespace, eventually, testKubeClient } from "../../helpers/cluster.ts";
import { contractPodSpec, startTestStackd, type TestStackd, testApiKey } from "../../helpers/stackd.ts";
import { LiveClient } from "../../helpers/ws-client.ts";

const kube = testKubeClient();
const flag = "flag{only-for-stack-owner-9d1e}";
const logLines: string[] = [];
const logger = createLogger({ level: "debug", write: (line) => logLines.push(line) });
let service: TestStackd;
let live: LiveClient;

/** A pod that declares the given ports on one container (protocol TCP unless said). */
function podWithPorts(ports: Array<{ port: number; protocol?: "TCP" | "UDP" }>, env = ""): string {
  const declared = ports.map(
    ({ port, protocol = "TCP" }) => `{containerPort: ${port}, protocol: ${protocol}}`,
  );
  return [
    "apiVersion: v1",
    "kind: Pod",
    "metadata: {name: challenge}",
    "spec:",
    "  containers:",
    "  - name: app",
    "    image: nginx:stable",
    ...(env ? [`    env: ${env}`] : []),
    `    ports: [${declared.join(", ")}]`,
    '    resources: {limits: {cpu: "50m", memory: 32Mi}}',
  ].join("\n");
}

const serviceOf = (stackId: string): Promise<V1Service> =>
  kube.core.readNamespacedService({ name: `svc-${stackId}`, namespace: service.namespace });

interface CreatedStack {
  stack_id: string;
  node_port?: number;
  ports: Array<{ container_port: number; protocol: string; node_port: number }>;
  [field: string]: unknown;
}

async function created(body: unknown): Promise<CreatedStack> {
  const answer = await service.call("POST", "/stacks", body);
  expect(answer.status).toBe(201);
  return answer.body;
}

beforeAll(async () => {
  service = await startTestStackd(kube, { LOG_LEVEL: "debug" }, { logger });
  const server = service.stackd.listen(0);
  live = new LiveClient(`ws://127.0.0.1:${server.port}/ws/stacks?api_key=${testApiKey}`);
  await live.opened();
});

afterAll(async () => {
  live?.socket.close();
  await service?.stop();
  await deleteTestNamespace(kube, service.namespace);
});

describe("POST /stacks with the v1.2 port list", () => {
  it("creates a UDP-only stack: one UDP Service port named p-53-udp, ports[] in the record, no target_port", async () => {
    const stack = await created({
      target_port: [{ container_port: 53, protocol: "UDP" }],
      pod_spec: podWithPorts([{ port: 53, protocol: "UDP" }]),
    });
    expect(stack).not.toHaveProperty("target_port");
    expect(stack).not.toHaveProperty("node_port");
    const [port] = stack.ports;
    expect(port).toMatchObject({ container_port: 53, protocol: "UDP" });
    const svc = await serviceOf(stack.stack_id);
    expect(svc.spec?.ports).toEqual([
      expect.objectContaining({ name: "p-53-udp", port: 53, protocol: "UDP", nodePort: port?.node_port }),
    ]);
    const status = await service.call("GET", `/stacks/${stack.stack_id}/status`);
    expect(status.body).toMatchObject({ ports: stack.ports });
    expect(status.body).not.toHaveProperty("target_port");
  });

  it("exposes TCP and UDP on the same port number, each on its own NodePort", async () => {
    const stack = await created({
      target_port: [
        { container_port: 53, protocol: "TCP" },
        { container_port: 53, protocol: "UDP" },
      ],
      pod_spec: podWithPorts([{ port: 53 }, { port: 53, protocol: "UDP" }, { port: 9153 }]),
    });
    const { ports } = stack;
    expect(new Set(ports.map((port) => port.node_port)).size).toBe(2);
    const svc = await serviceOf(stack.stack_id);
    expect(
      svc.spec?.ports?.map((port) => `${port.name} ${port.port}/${port.protocol} ${port.nodePort}`),
    ).toEqual([`p-53-tcp 53/TCP ${ports[0]?.node_port}`, `p-53-udp 53/UDP ${ports[1]?.node_port}`]);
  });

  it("creates a 24-port stack with 24 NodePorts, and frees all of them on delete", async () => {
    const before = (await service.call("GET", "/stats")).body.used_node_ports as number;
    const declared = Array.from({ length: 24 }, (_, index) => ({ port: 8000 + index }));
    const stack = await created({
      target_port: declared.map(({ port }) => ({ container_port: port, protocol: "TCP" })),
      pod_spec: podWithPorts(declared),
    });
    const nodePorts = stack.ports.map((port) => port.node_port);
    expect(new Set(nodePorts).size).toBe(24);
    expect((await serviceOf(stack.stack_id)).spec?.ports).toHaveLength(24);
    expect((await service.call("GET", "/stats")).body.used_node_ports).toBe(before + 24);
    expect((await service.call("DELETE", `/stacks/${stack.stack_id}`)).status).toBe(200);
    await eventually("the 24 ports freed", async () =>
      (await service.call("GET", "/stats")).body.used_node_ports === before ? true : undefined,
    );
  });

  it("answers a v1.1 client exactly as before: target_port, node_port, the 'stack' Service port", async () => {
    const stack = await created({ target_port: 80, pod_spec: contractPodSpec });
    expect(stack).toMatchObject({ target_port: 80, labels: {} });
    expect(stack.ports).toEqual([{ container_port: 80, protocol: "TCP", node_port: stack.node_port ?? 0 }]);
    const status = await service.call("GET", `/stacks/${stack.stack_id}/status`);
    expect(Object.keys(status.body)).toEqual([
      "stack_id",
      "status",
      "ttl",
      "node_port",
      "target_port",
      "node_public_ip",
    ]);
    expect((await serviceOf(stack.stack_id)).spec?.ports?.[0]).toMatchObject({ name: "stack", port: 80 });
    const refused = await service.call("POST", "/stacks", { target_port: "80", pod_spec: contractPodSpec });
    expect(refused).toEqual({
      status: 400,
      body: { error: "invalid request body: target_port must be an integer" },
    });
  });
});

describe("labels, filters and paging", () => {
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    for (const [name, labels] of [
      ["red-web", { team: "red", challenge: "web" }],
      ["red-pwn", { team: "red", challenge: "pwn" }],
      ["blue-web", { team: "blue", challenge: "web" }],
    ] as const) {
      ids[name] = (await created({ target_port: 80, pod_spec: contractPodSpec, labels })).stack_id;
    }
  });

  const listed = async (query: string) =>
    ((await service.call("GET", `/stacks?${query}`)).body.stacks as Array<{ stack_id: string }>)
      .map((stack) => stack.stack_id)
      .sort();

  it("stores the labels, returns them in every record and sets them on the Pod under label.stackd.io/", async () => {
    const record = (await service.call("GET", `/stacks/${ids["red-web"]}`)).body;
    expect(record.labels).toEqual({ team: "red", challenge: "web" });
    const pod = await kube.core.readNamespacedPod({
      name: ids["red-web"] as string,
      namespace: service.namespace,
    });
    expect(pod.metadata?.labels).toMatchObject({
      "label.stackd.io/team": "red",
      "label.stackd.io/challenge": "web",
    });
  });

  it("filters GET /stacks and GET /stats by every label, status and node", async () => {
    expect(await listed("label=team=red")).toEqual([ids["red-web"], ids["red-pwn"]].sort() as string[]);
    expect(await listed("label=team=red&label=challenge=web")).toEqual([ids["red-web"] as string]);
    expect(await listed("label=team=green")).toEqual([]);
    const stats = (await service.call("GET", "/stats?label=team=red")).body;
    expect(stats).toMatchObject({ total_stacks: 2, used_node_ports: 2 });
    const red = (await service.call("GET", `/stacks/${ids["red-web"]}`)).body;
    const onNode = await listed(`label=challenge=web&node=${red.node_id}`);
    expect(onNode).toContain(ids["red-web"] as string);
    const statuses = await listed("label=team=blue&status=creating&status=running");
    expect(statuses).toEqual([ids["blue-web"] as string]);
    expect(await listed("label=team=blue&status=failed")).toEqual([]);
    expect((await service.call("GET", "/stacks?status=nope")).status).toBe(400);
  });

  it("pages with limit and cursor through every stack exactly once, next_cursor null at the end", async () => {
    const all = await listed("");
    const seen: string[] = [];
    let cursor: string | null = "";
    while (cursor !== null) {
      const page: { stacks: Array<{ stack_id: string }>; next_cursor: string | null } = (
        await service.call("GET", `/stacks?limit=2${cursor ? `&cursor=${cursor}` : ""}`)
      ).body;
      expect(page.stacks.length).toBeLessThanOrEqual(2);
      seen.push(...page.stacks.map((stack) => stack.stack_id));
      cursor = page.next_cursor;
    }
    expect(seen.sort()).toEqual(all);
    expect(Object.keys((await service.call("GET", "/stacks")).body)).toEqual(["stacks"]);
  });
});

describe("per-stack env", () => {
  it("reaches every container, is answered only with include=env, and is in no read, log line, stream message or stored record", async () => {
    const stack = await created({
      target_port: 80,
      pod_spec: podWithPorts([{ port: 80 }], "[{name: MODE, value: ctf}]"),
      env: { FLAG: flag, TEAM: "red" },
    });
    const pod = await kube.core.readNamespacedPod({ name: stack.stack_id, namespace: service.namespace });
    expect(pod.spec?.containers[0]?.env).toEqual(
      expect.arrayContaining([
        { name: "MODE", value: "ctf" },
        { name: "FLAG", value: flag },
      ]),
    );
    await eventually("include=env", async () => {
      const answer = await service.call("GET", `/stacks/${stack.stack_id}?include=env`);
      return answer.body.env?.FLAG === flag ? answer.body : undefined;
    }).then((body) => expect(body.env).toEqual({ FLAG: flag, TEAM: "red" }));
    await eventually("the stack running, seen on the stream", async () =>
      live.changes().some((change) => change.stack_id === stack.stack_id && change.status === "running")
        ? true
        : undefined,
    );

    const reads = await Promise.all(
      [
        "/stacks",
        `/stacks/${stack.stack_id}`,
        `/stacks/${stack.stack_id}/status`,
        "/stats",
        "/stacks?limit=5",
      ].map((path) => service.call("GET", path)),
    );
    for (const answer of reads) expect(JSON.stringify(answer.body)).not.toContain(flag);
    expect(JSON.stringify(await serviceOf(stack.stack_id))).not.toContain(flag);
    expect(JSON.stringify(live.messages)).not.toContain(flag);
    expect(live.invalid).toEqual([]);
    const db = new Database(service.dbPath, { readonly: true });
    const stored = db.query<{ record: string }, []>("SELECT record FROM stack_records").all();
    const history = db.query<{ message: string }, []>("SELECT message FROM stack_events").all();
    const specs = db.query<{ pod_spec: string }, []>("SELECT pod_spec FROM stack_specs").all();
    db.close();
    expect(stored.length).toBeGreaterThan(0);
    expect(JSON.stringify([stored, history, specs])).not.toContain(flag);
    expect((await service.call("DELETE", `/stacks/${stack.stack_id}`)).status).toBe(200);
    expect(logLines.length).toBeGreaterThan(0);
    expect(logLines.join("\n")).not.toContain(flag);
  });
});

describe("a 24-port create with only 10 free NodePorts", () => {
  it("answers 503 no available nodeport and leases and creates nothing", async () => {
    const narrow = await startTestStackd(kube, { STACK_NODEPORT_MIN: "30100", STACK_NODEPORT_MAX: "30109" });
    try {
      const declared = Array.from({ length: 24 }, (_, index) => ({ port: 8000 + index }));
      const request = (count: number) => ({
        target_port: declared.slice(0, count).map(({ port }) => ({ container_port: port, protocol: "TCP" })),
        pod_spec: podWithPorts(declared),
      });
      const refused = await narrow.call("POST", "/stacks", request(24));
      expect(refused).toEqual({ status: 503, body: { error: "no available nodeport" } });
      expect((await narrow.call("GET", "/stats")).body).toMatchObject({
        total_stacks: 0,
        used_node_ports: 0,
      });
      expect((await kube.core.listNamespacedPod({ namespace: narrow.namespace })).items).toEqual([]);
      expect((await kube.core.listNamespacedService({ namespace: narrow.namespace })).items).toEqual([]);
      // Nothing was held back: the ten ports all go to the next create.
      const fits = await narrow.call("POST", "/stacks", request(10));
      expect(fits.status).toBe(201);
      expect((fits.body.ports as Array<{ node_port: number }>).map((port) => port.node_port).sort()).toEqual(
        Array.from({ length: 10 }, (_, index) => 30100 + index),
      );
    } finally {
      await narrow.stop();
      await deleteTestNamespace(kube, narrow.namespace);
    }
  });
});

import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import Ajv2020 from "ajv/dist/2020";
import { eventually, testKubeClient } from "../../helpers/cluster.ts";
import { contractPodSpec, startTestStackd, type TestStackd, testApiKey } from "../../helpers/stackd.ts";
import { LiveClient } from "../../helpers/ws-client.ts";

interface Operation {
  responses?: Record<string, { content?: Record<string, { schema?: object }> }>;
}
interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, object> };
}

const kube = testKubeClient();
let service: TestStackd;
let base = "";
let document: OpenApiDocument;
const ajv = new Ajv2020({ strict: false, validateFormats: false, allErrors: true });
/** Every (method, path template, status) answered during this file, to prove each route was exercised. */
const exercised = new Set<string>();

beforeAll(async () => {
  service = await startTestStackd(kube);
  base = service.stackd.listen(0).url.toString().replace(/\/$/, "");
  document = (await (await fetch(`${base}/openapi/json`)).json()) as OpenApiDocument;
});

afterAll(async () => {
  await service.stop();
});

/** The documented path template that a concrete path matches, e.g. /stacks/{stack_id}; static segments win, as in the router. */
function templateOf(path: string): string | undefined {
  const parameters = (template: string) => template.split("{").length;
  return Object.keys(document.paths)
    .filter((template) => new RegExp(`^${template.replace(/\{[^}]+\}/g, "[^/]+")}$`).test(path))
    .sort((a, b) => parameters(a) - parameters(b))[0];
}

/** Sends a real request and checks the answer's status and body against the OpenAPI document. */
async function conforms(method: string, path: string, init: { body?: string; key?: string | null } = {}) {
  const headers: Record<string, string> = {};
  if (init.key !== null) headers["x-api-key"] = init.key ?? testApiKey;
  const response = await fetch(`${base}${path}`, {
    method,
    headers,
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  const template = templateOf(path.split("?")[0] ?? path);
  if (!template) throw new Error(`${path} is not in the OpenAPI document`);
  const operation = document.paths[template]?.[method.toLowerCase()];
  if (!operation) throw new Error(`${method} ${template} is not in the OpenAPI document`);
  const documented = operation.responses?.[String(response.status)];
  if (!documented)
    throw new Error(`${method} ${template} answered ${response.status}, which is not documented`);
  exercised.add(`${method.toLowerCase()} ${template} ${response.status}`);
  const type = response.headers.get("content-type") ?? "";
  const schema = documented.content?.["application/json"]?.schema;
  if (!type.startsWith("application/json")) return { status: response.status, body: await response.text() };
  if (!schema)
    throw new Error(`${method} ${template} ${response.status} answered JSON without a documented schema`);
  const body: unknown = await response.json();
  const validate = ajv.compile(schema);
  if (!validate(body)) {
    throw new Error(
      `${method} ${path} ${response.status} does not match the document: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(body)}`,
    );
  }
  return { status: response.status, body: body as Record<string, unknown> };
}

describe("the OpenAPI document", () => {
  it("is OpenAPI 3 and lists every route of the contract", () => {
    expect(document.openapi).toStartWith("3.");
    const routes = Object.entries(document.paths).flatMap(([path, operations]) =>
      Object.keys(operations).map((method) => `${method} ${path}`),
    );
    expect(routes.sort()).toEqual(
      [
        "get /healthz",
        "get /livez",
        "get /readyz",
        "get /metrics",
        "get /dashboard",
        "get /stats",
        "get /stacks",
        "post /stacks",
        "get /stacks/{stack_id}",
        "get /stacks/{stack_id}/status",
        "get /stacks/{stack_id}/events",
        "get /stacks/{stack_id}/logs",
        "get /nodes",
        "delete /stacks/{stack_id}",
        "post /stacks/{stack_id}/extend",
        "post /stacks/batch-delete",
        "get /stacks/batch-delete/{job_id}",
        "get /ws/stacks",
      ].sort(),
    );
  });

  it("documents the live stream's messages as components", () => {
    expect(Object.keys(document.components.schemas)).toEqual(
      expect.arrayContaining([
        "LiveSnapshotMessage",
        "LiveChangeMessage",
        "LiveResyncMessage",
        "LiveHeartbeatMessage",
        "LiveSnapshotPartMessage",
      ]),
    );
  });

  it("matches the real answers of every route, errors included", async () => {
    expect((await conforms("GET", "/healthz")).status).toBe(200);
    expect((await conforms("GET", "/healthz", { key: null })).status).toBe(401);
    expect((await conforms("GET", "/livez", { key: null })).status).toBe(200);
    const ready = await conforms("GET", "/readyz", { key: null });
    expect(ready.status).toBe(200);
    expect((ready.body as { leadership: unknown }).leadership).toEqual({ role: "single", leader: null });
    expect((await conforms("GET", "/dashboard", { key: null })).status).toBe(200);
    expect((await conforms("GET", "/ws/stacks", { key: null })).status).toBe(401);
    expect((await conforms("POST", "/stacks", { body: "{" })).status).toBe(400);
    expect((await conforms("POST", "/stacks", { body: '{"target_port":80}' })).status).toBe(400);
    const created = await conforms("POST", "/stacks", {
      body: JSON.stringify({ target_port: 80, pod_spec: contractPodSpec }),
    });
    expect(created.status).toBe(201);
    const stackId = String((created.body as { stack_id: string }).stack_id);
    await eventually("running", async () => {
      const status = await conforms("GET", `/stacks/${stackId}/status`);
      return (status.body as { status: string }).status === "running" ? true : undefined;
    });
    expect((await conforms("GET", `/stacks/${stackId}`)).status).toBe(200);
    expect((await conforms("GET", "/stacks")).status).toBe(200);
    expect((await conforms("GET", "/stats")).status).toBe(200);
    expect((await conforms("POST", `/stacks/${stackId}/extend`, { body: '{"ttl":"3h"}' })).status).toBe(200);
    expect((await conforms("POST", `/stacks/${stackId}/extend`, { body: '{"ttl":"soon"}' })).status).toBe(
      400,
    );
    expect((await conforms("POST", "/stacks/batch-delete", { body: '{"stack_ids":[]}' })).status).toBe(400);
    const batch = await conforms("POST", "/stacks/batch-delete", {
      body: '{"stack_ids":["stack-ffffffffffffffff"]}',
    });
    expect(batch.status).toBe(202);
    const jobPath = `/stacks/batch-delete/${(batch.body as { job_id: string }).job_id}`;
    await eventually("the batch delete to finish", async () =>
      ((await conforms("GET", jobPath)).body as { status: string }).status === "completed" ? true : undefined,
    );
    expect((await conforms("GET", "/stacks/batch-delete/job-ffffffffffffffff")).status).toBe(404);
    expect((await conforms("DELETE", `/stacks/${stackId}`)).status).toBe(200);
    expect((await conforms("POST", `/stacks/${stackId}/extend`)).status).toBe(404);
    expect((await conforms("GET", `/stacks/${stackId}`)).status).toBe(404);
    expect((await conforms("GET", `/stacks/${stackId}/status`)).status).toBe(404);
    expect((await conforms("DELETE", `/stacks/${stackId}`)).status).toBe(404);
    for (const route of [
      "get /healthz",
      "get /livez",
      "get /readyz",
      "get /stats",
      "get /stacks",
      "post /stacks",
      "get /stacks/{stack_id}",
      "get /stacks/{stack_id}/status",
      "delete /stacks/{stack_id}",
      "post /stacks/{stack_id}/extend",
      "post /stacks/batch-delete",
      "get /stacks/batch-delete/{job_id}",
      "get /dashboard",
      "get /ws/stacks",
    ]) {
      expect([...exercised].some((answer) => answer.startsWith(`${route} `))).toBe(true);
    }
  });

  it("matches the v1.2 answers: port lists, labels, filters, pages and include=env", async () => {
    const request = {
      target_port: [
        { container_port: 53, protocol: "TCP" },
        { container_port: 53, protocol: "UDP" },
      ],
      pod_spec: contractPodSpec.replace(
        "- containerPort: 80\n          protocol: TCP",
        "- containerPort: 53\n          protocol: TCP\n        - containerPort: 53\n          protocol: UDP",
      ),
      labels: { team: "7" },
      env: { FLAG: "flag{openapi}" },
    };
    const post = document.paths["/stacks"]?.post as {
      requestBody?: { content?: Record<string, { schema?: object }> };
    };
    const bodySchema = post.requestBody?.content?.["application/json"]?.schema;
    expect(bodySchema).toBeDefined();
    expect(ajv.validate(bodySchema as object, request) ? "valid" : ajv.errorsText(ajv.errors)).toBe("valid");
    const created = await conforms("POST", "/stacks", { body: JSON.stringify(request) });
    expect(created.status).toBe(201);
    const stackId = String((created.body as { stack_id: string }).stack_id);
    await eventually("env seen on the Pod", async () => {
      const answer = await conforms("GET", `/stacks/${stackId}?include=env`);
      return (answer.body as { env?: { FLAG?: string } | null }).env?.FLAG ? true : undefined;
    });
    expect((await conforms("GET", `/stacks/${stackId}?include=spec`)).status).toBe(400);
    expect((await conforms("GET", `/stacks/${stackId}/status`)).status).toBe(200);
    expect((await conforms("GET", "/stacks?label=team=7&status=creating&status=running")).status).toBe(200);
    const page = await conforms("GET", "/stacks?limit=1");
    expect(page.body).toHaveProperty("next_cursor");
    expect((await conforms("GET", "/stacks?limit=0")).status).toBe(400);
    expect((await conforms("GET", "/stats?label=team=7")).status).toBe(200);
    expect((await conforms("GET", "/stats?label=bad")).status).toBe(400);
    expect((await conforms("DELETE", `/stacks/${stackId}`)).status).toBe(200);
  });

  it("matches the live stream's real messages with the documented components", async () => {
    const client = new LiveClient(`${base.replace("http", "ws")}/ws/stacks?api_key=${testApiKey}`);
    expect(await client.opened()).toBe(true);
    await service.call("POST", "/stacks", { target_port: 80, pod_spec: contractPodSpec });
    await client.waitFor("a change", () => (client.changes().length > 0 ? true : undefined));
    const byType: Record<string, string> = {
      snapshot: "LiveSnapshotMessage",
      change: "LiveChangeMessage",
      resync: "LiveResyncMessage",
      heartbeat: "LiveHeartbeatMessage",
    };
    for (const message of client.messages) {
      const schema = document.components.schemas[byType[message.type] ?? ""];
      if (!schema) throw new Error(`no component for ${message.type}`);
      const validate = ajv.compile(schema);
      expect(validate(message) ? "valid" : ajv.errorsText(validate.errors)).toBe("valid");
    }
    client.close();
  });

  it("matches a snapshot sent in parts with its documented component", async () => {
    await service.call("POST", "/stacks", { target_port: 80, pod_spec: contractPodSpec });
    const url = `${base.replace("http", "ws")}/ws/stacks?fields=summary&snapshot_slice=100&api_key=${testApiKey}`;
    const client = new LiveClient(url);
    expect(await client.opened()).toBe(true);
    const part = await client.waitFor("the snapshot's part", () =>
      client.messages.find((message) => message.type === "snapshot_part"),
    );
    expect(part).toMatchObject({ part: 1, parts: 1 });
    expect((part as { stacks: unknown[] }).stacks.length).toBeGreaterThan(0);
    expect(JSON.stringify(part)).not.toContain("pod_spec");
    const validate = ajv.compile(document.components.schemas.LiveSnapshotPartMessage ?? {});
    expect(validate(part) ? "valid" : ajv.errorsText(validate.errors)).toBe("valid");
    client.close();
  });
});

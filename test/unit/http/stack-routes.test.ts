import { describe, expect, it } from "bun:test";
import { stackNotFound } from "../../../src/errors/app-error.ts";
import { createApp } from "../../../src/http/app.ts";
import { silentLogger } from "../../../src/log/logger.ts";
import type { StackRecord } from "../../../src/stacks/stack-record.ts";
import type { NewStack, StackCommands } from "../../../src/stacks/stack-service.ts";
import { contractPodSpec } from "../../helpers/stackd.ts";

const key = "route-test-key";

const record: StackRecord = {
  stack_id: "stack-0123456789abcdef",
  pod_id: "stack-0123456789abcdef",
  namespace: "stacks",
  node_id: "stack-node-1",
  node_public_ip: "203.0.113.11",
  pod_spec: "apiVersion: v1\nkind: Pod\n",
  target_port: 80,
  node_port: 31001,
  service_name: "svc-stack-0123456789abcdef",
  status: "creating",
  status_reason: null,
  ttl_expires_at: "2026-11-28T22:00:00.000Z",
  created_at: "2026-11-28T20:00:00.000Z",
  updated_at: "2026-11-28T20:00:00.000Z",
  requested_cpu_milli: 100,
  requested_memory_bytes: 134217728,
};

/** A fake service and read side: records what the routes asked, answers from one record. */
function fakeApp(options: { apiKeyEnabled?: boolean; maxBodyBytes?: number } = {}) {
  const created: NewStack[] = [];
  const deleted: string[] = [];
  const commands: StackCommands = {
    async create(request) {
      created.push(request);
      return record;
    },
    async delete(stackId) {
      if (stackId !== record.stack_id) throw stackNotFound();
      deleted.push(stackId);
    },
  };
  const app = createApp({
    commands,
    queries: {
      get: (stackId) => (stackId === record.stack_id ? record : undefined),
      getJson: (stackId) => (stackId === record.stack_id ? JSON.stringify(record) : undefined),
      listBytes: () => new TextEncoder().encode(JSON.stringify({ stacks: [record] })),
      stats: () => ({
        total_stacks: 1,
        active_stacks: 1,
        node_distribution: { "stack-node-1": 1 },
        used_node_ports: 1,
        reserved_cpu_milli: 100,
        reserved_memory_bytes: 134217728,
      }),
    },
    logger: silentLogger,
    apiKeyEnabled: options.apiKeyEnabled ?? true,
    apiKey: key,
    maxBodyBytes: options.maxBodyBytes ?? 1_048_576,
  });
  const call = async (
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = { "x-api-key": key },
  ) => {
    const response = await app.handle(
      new Request(`http://localhost${path}`, { method, headers, ...(body === undefined ? {} : { body }) }),
    );
    const text = await response.text();
    return {
      status: response.status,
      body: text ? JSON.parse(text) : undefined,
      type: response.headers.get("content-type"),
    };
  };
  return { app, call, created, deleted };
}

describe("POST /stacks body validation (no cluster)", () => {
  it.each([
    ["invalid JSON", "{not json", "invalid request body: JSON Parse error: Expected '}'"],
    ["an empty body", "", "invalid request body: empty body, expected a JSON object"],
    ["a JSON array", "[]", "invalid request body: expected a JSON object"],
    ["JSON null", "null", "invalid request body: expected a JSON object"],
    ["a JSON number", "5", "invalid request body: expected a JSON object"],
    ["a missing target_port", '{"pod_spec":"kind: Pod"}', "invalid request body: target_port is required"],
    [
      "a string target_port",
      '{"target_port":"80","pod_spec":"kind: Pod"}',
      "invalid request body: target_port must be an integer",
    ],
    [
      "a fractional target_port",
      '{"target_port":80.5,"pod_spec":"kind: Pod"}',
      "invalid request body: target_port must be an integer",
    ],
    ["a missing pod_spec", '{"target_port":80}', "invalid request body: pod_spec is required"],
    [
      "a numeric pod_spec",
      '{"target_port":80,"pod_spec":5}',
      "invalid request body: pod_spec must be a string",
    ],
  ])("answers 400 for %s", async (_, body, message) => {
    const { call, created } = fakeApp();
    const answer = await call("POST", "/stacks", body);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toStartWith(message);
    expect(created).toEqual([]);
  });

  it("reads the body as JSON whatever content type the client declares", async () => {
    const { call, created } = fakeApp();
    const answer = await call(
      "POST",
      "/stacks",
      JSON.stringify({ target_port: 80, pod_spec: contractPodSpec }),
      {
        "x-api-key": key,
        "content-type": "application/x-www-form-urlencoded",
      },
    );
    expect(answer.status).toBe(201);
    expect(created).toHaveLength(1);
  });

  it("answers 400 for a body over MAX_BODY_BYTES", async () => {
    const { call } = fakeApp({ maxBodyBytes: 2048 });
    const answer = await call(
      "POST",
      "/stacks",
      JSON.stringify({ target_port: 80, pod_spec: "x".repeat(4096) }),
    );
    expect(answer).toMatchObject({
      status: 400,
      body: { error: "invalid request body: larger than the 2048-byte limit" },
    });
  });

  it("answers 400 invalid pod spec for a hostNetwork pod, before the service is asked", async () => {
    const { call, created } = fakeApp();
    const spec = `${contractPodSpec}\n  hostNetwork: true`;
    const answer = await call("POST", "/stacks", JSON.stringify({ target_port: 80, pod_spec: spec }));
    expect(answer.status).toBe(400);
    expect(answer.body.error).toStartWith("invalid pod spec: ");
    expect(created).toEqual([]);
  });

  it("answers 400 invalid target_port for a port outside 1-65535", async () => {
    const { call } = fakeApp();
    const answer = await call(
      "POST",
      "/stacks",
      JSON.stringify({ target_port: 70000, pod_spec: contractPodSpec }),
    );
    expect(answer).toMatchObject({
      status: 400,
      body: { error: "invalid target_port: must be between 1 and 65535" },
    });
  });

  it("hands the service the sanitised manifest and its YAML, and answers 201 with the record", async () => {
    const { call, created } = fakeApp();
    const answer = await call(
      "POST",
      "/stacks",
      JSON.stringify({ target_port: 80, pod_spec: contractPodSpec, extra: 1 }),
    );
    expect(answer).toMatchObject({ status: 201, body: record, type: "application/json" });
    const [request] = created;
    if (!request) throw new Error("the service was not asked to create");
    expect(request.targetPort).toBe(80);
    expect(request.podSpecYaml).toContain("automountServiceAccountToken: false");
    expect((request.manifest as { spec?: { restartPolicy?: string } }).spec?.restartPolicy).toBe("Never");
    expect(request.requestedCpuMilli).toBe(100);
  });
});

describe("authentication (no cluster)", () => {
  it.each([
    ["GET", "/stacks"],
    ["GET", "/stats"],
    ["GET", "/healthz"],
    ["POST", "/stacks"],
    ["GET", `/stacks/${record.stack_id}`],
    ["DELETE", `/stacks/${record.stack_id}`],
    ["GET", "/nope"],
  ])("answers 401 invalid api key to %s %s without a key", async (method, path) => {
    const { call, deleted } = fakeApp();
    expect(await call(method, path, undefined, {})).toMatchObject({
      status: 401,
      body: { error: "invalid api key" },
    });
    expect(await call(method, path, undefined, { "x-api-key": "wrong" })).toMatchObject({ status: 401 });
    expect(deleted).toEqual([]);
  });

  it("accepts the key from the api_key query parameter", async () => {
    const { call } = fakeApp();
    expect((await call("GET", `/healthz?api_key=${key}`, undefined, {})).status).toBe(200);
  });

  it("serves without a key when API_KEY_ENABLED=false", async () => {
    const { call } = fakeApp({ apiKeyEnabled: false });
    expect(await call("GET", "/stats", undefined, {})).toMatchObject({ status: 200 });
  });

  it("serves the dashboard, the OpenAPI document and its browsable page without a key", async () => {
    const { app } = fakeApp();
    for (const [path, type] of [
      ["/dashboard", "text/html"],
      ["/openapi", "text/html"],
      ["/openapi/json", "application/json"],
      ["/livez", "application/json"],
      ["/readyz", "application/json"],
    ] as const) {
      const response = await app.handle(new Request(`http://localhost${path}`));
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toStartWith(type);
    }
  });
});

describe("reads and deletes (no cluster)", () => {
  it("answers 404 stack not found for an unknown stack on every stack route", async () => {
    const { call } = fakeApp();
    for (const [method, path] of [
      ["GET", "/stacks/stack-ffffffffffffffff"],
      ["GET", "/stacks/stack-ffffffffffffffff/status"],
      ["DELETE", "/stacks/stack-ffffffffffffffff"],
    ] as const) {
      expect(await call(method, path)).toMatchObject({ status: 404, body: { error: "stack not found" } });
    }
  });

  it("answers 404 not found for an unknown path", async () => {
    const { call } = fakeApp();
    expect(await call("GET", "/nope")).toMatchObject({ status: 404, body: { error: "not found" } });
  });

  it("serves the record, the short status, the list, stats and the delete answer", async () => {
    const { call, deleted } = fakeApp();
    expect((await call("GET", `/stacks/${record.stack_id}`)).body).toEqual(record);
    expect((await call("GET", `/stacks/${record.stack_id}/status`)).body).toEqual({
      stack_id: record.stack_id,
      status: "creating",
      ttl: record.ttl_expires_at,
      node_port: 31001,
      target_port: 80,
      node_public_ip: "203.0.113.11",
    });
    expect((await call("GET", "/stacks")).body).toEqual({ stacks: [record] });
    expect((await call("GET", "/stats")).body.total_stacks).toBe(1);
    expect(await call("DELETE", `/stacks/${record.stack_id}`)).toMatchObject({
      status: 200,
      body: { deleted: true, stack_id: record.stack_id },
    });
    expect(deleted).toEqual([record.stack_id]);
  });
});

import { describe, expect, it } from "bun:test";
import { stackNotFound } from "../../../src/errors/app-error.ts";
import { createApp } from "../../../src/http/app.ts";
import { KeyRing } from "../../../src/keys/key-ring.ts";
import { silentLogger } from "../../../src/log/logger.ts";
import type { StackFilter, StackPage } from "../../../src/stacks/stack-filter.ts";
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
  ports: [{ container_port: 80, protocol: "TCP", node_port: 31001 }],
  labels: {},
  endpoints: [],
};

/** A fake service and read side: records what the routes asked, answers from one record. */
function fakeApp(options: { apiKeyEnabled?: boolean; maxBodyBytes?: number; starting?: () => boolean } = {}) {
  const created: NewStack[] = [];
  const deleted: string[] = [];
  const listed: Array<{ filter: StackFilter; page: StackPage | undefined }> = [];
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
      list: (filter, page) => {
        listed.push({ filter, page });
        return new TextEncoder().encode(JSON.stringify({ stacks: [record] }));
      },
      stats: () => ({
        total_stacks: 1,
        active_stacks: 1,
        node_distribution: { "stack-node-1": 1 },
        used_node_ports: 1,
        reserved_cpu_milli: 100,
        reserved_memory_bytes: 134217728,
      }),
    },
    stackEnv: (stackId) => (stackId === record.stack_id ? { FLAG: "flag{per-stack}" } : null),
    logger: silentLogger,
    keys: options.apiKeyEnabled === false ? null : new KeyRing([{ name: "default", key }]),
    maxBodyBytes: options.maxBodyBytes ?? 1_048_576,
    ...(options.starting ? { starting: options.starting } : {}),
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
  return { app, call, created, deleted, listed };
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
    [
      "a port list entry that is not an object",
      '{"target_port":[80],"pod_spec":"kind: Pod"}',
      "invalid request body: target_port[0] must be an object with container_port and protocol",
    ],
    [
      "a numeric label value",
      '{"target_port":80,"pod_spec":"kind: Pod","labels":{"team":7}}',
      "invalid request body: labels must be an object of strings",
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

describe("while stackd starts (no cluster)", () => {
  it("answers every request but /livez 503 with Retry-After, creating nothing, and serves once started", async () => {
    let starting = true;
    const { app, call, created } = fakeApp({ starting: () => starting });
    for (const [method, path] of [
      ["GET", "/readyz"],
      ["GET", "/healthz"],
      ["GET", "/stacks"],
      ["POST", "/stacks"],
    ] as const) {
      const response = await app.handle(
        new Request(`http://localhost${path}`, { method, headers: { "x-api-key": key } }),
      );
      expect(response.status).toBe(503);
      expect(response.headers.get("retry-after")).toBe("1");
      expect(await response.json()).toEqual({ error: "stackd is starting" });
    }
    expect((await call("GET", "/livez")).status).toBe(200);
    expect(created).toEqual([]);
    starting = false;
    expect((await call("GET", "/readyz")).status).toBe(200);
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

const dnsSpec = [
  "apiVersion: v1",
  "kind: Pod",
  "spec:",
  "  containers:",
  "    - name: dns",
  "      image: coredns/coredns",
  "      env: [{name: MODE, value: ctf}]",
  "      ports: [{containerPort: 53, protocol: TCP}, {containerPort: 53, protocol: UDP}, {containerPort: 9153}]",
  "      resources: {limits: {cpu: 100m, memory: 64Mi}}",
].join("\n");

const createWith = (fields: Record<string, unknown>) =>
  JSON.stringify({ pod_spec: dnsSpec, target_port: [{ container_port: 53, protocol: "UDP" }], ...fields });

describe("POST /stacks with the v1.2 port list, labels and env (no cluster)", () => {
  it.each([
    [
      "an empty port list",
      createWith({ target_port: [] }),
      "invalid request body: target_port must list 1 to 24 ports, got 0",
    ],
    [
      "25 ports",
      createWith({
        target_port: Array.from({ length: 25 }, (_, i) => ({ container_port: 1000 + i, protocol: "TCP" })),
      }),
      "invalid request body: target_port must list 1 to 24 ports, got 25",
    ],
    [
      "an entry without protocol",
      createWith({ target_port: [{ container_port: 53 }] }),
      "invalid request body: target_port[0].protocol is required",
    ],
    [
      "a lowercase protocol",
      createWith({ target_port: [{ container_port: 53, protocol: "udp" }] }),
      'invalid request body: target_port[0].protocol must be "TCP" or "UDP"',
    ],
    [
      "a string container_port",
      createWith({ target_port: [{ container_port: "53", protocol: "UDP" }] }),
      "invalid request body: target_port[0].container_port must be an integer",
    ],
    [
      "an unknown field in an entry",
      createWith({ target_port: [{ container_port: 53, protocol: "UDP", node_port: 31000 }] }),
      "invalid request body: target_port[0].node_port is not allowed",
    ],
    [
      "a port twice",
      createWith({
        target_port: [
          { container_port: 53, protocol: "UDP" },
          { container_port: 53, protocol: "UDP" },
        ],
      }),
      "invalid target_port: target_port[1] repeats UDP port 53",
    ],
    [
      "an undeclared port",
      createWith({ target_port: [{ container_port: 80, protocol: "TCP" }] }),
      "invalid pod spec: target_port[0]: no container declares TCP containerPort 80",
    ],
    [
      "labels that are not an object",
      createWith({ labels: ["team"] }),
      "invalid request body: labels must be an object of strings",
    ],
    [
      "a numeric label value",
      createWith({ labels: { team: 7 } }),
      "invalid request body: labels must be an object of strings",
    ],
    [
      "a prefixed label key",
      createWith({ labels: { "example.com/team": "7" } }),
      'invalid labels: "example.com/team" is not a label name',
    ],
    [
      "a label value with a space",
      createWith({ labels: { team: "team 7" } }),
      "invalid labels: labels.team must be a label value",
    ],
    [
      "17 labels",
      createWith({ labels: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"])) }),
      "invalid labels: at most 16 labels, got 17",
    ],
    [
      "a numeric env value",
      createWith({ env: { FLAG: 1 } }),
      "invalid request body: env must be an object of strings",
    ],
    [
      "an env name with a dash",
      createWith({ env: { "MY-FLAG": "x" } }),
      'invalid env: "MY-FLAG" is not a variable name',
    ],
    [
      "a KUBERNETES_ name",
      createWith({ env: { KUBERNETES_SERVICE_HOST: "x" } }),
      "invalid env: KUBERNETES_SERVICE_HOST is reserved",
    ],
    [
      "a name the pod spec sets",
      createWith({ env: { MODE: "x" } }),
      'invalid env: MODE is already set by the pod spec (container "dns")',
    ],
    [
      "a NUL in an env value",
      createWith({ env: { FLAG: "flag\u0000tail" } }),
      "invalid env: FLAG: control characters other than tab and newline are not allowed, got U+0000 at character 5",
    ],
    [
      "a carriage return in an env value",
      createWith({ env: { TEAM: "red", FLAG: "flag\r" } }),
      "invalid env: FLAG: control characters other than tab and newline are not allowed, got U+000D at character 5",
    ],
    [
      "a C1 control in an env value",
      createWith({ env: { FLAG: "\u009b31m" } }),
      "invalid env: FLAG: control characters other than tab and newline are not allowed, got U+009B at character 1",
    ],
    [
      "33 variables",
      createWith({ env: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`V${i}`, "v"])) }),
      "invalid env: at most 32 variables, got 33",
    ],
  ])("answers 400 for %s", async (_, body, message) => {
    const { call, created } = fakeApp();
    const answer = await call("POST", "/stacks", body);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toStartWith(message);
    expect(created).toEqual([]);
  });

  it("takes tabs and newlines in an env value", async () => {
    const { call, created } = fakeApp();
    const pem = "-----BEGIN-----\n\tabc\n-----END-----\n";
    const answer = await call("POST", "/stacks", createWith({ env: { PEM: pem } }));
    expect(answer.status).toBe(201);
    const spec = created[0]?.manifest.spec as { containers: Array<{ env?: unknown[] }> } | undefined;
    expect(spec?.containers[0]?.env).toContainEqual({ name: "PEM", value: pem });
  });

  it("never quotes an env value in a refusal", async () => {
    const { call } = fakeApp();
    const secret = "flag{do-not-echo}";
    const env = Object.fromEntries([
      ["MODE", secret],
      ...Array.from({ length: 40 }, (_, i) => [`V${i}`, secret]),
    ]);
    for (const body of [createWith({ env: { MODE: secret } }), createWith({ env })]) {
      const answer = await call("POST", "/stacks", body);
      expect(answer.status).toBe(400);
      expect(JSON.stringify(answer.body)).not.toContain(secret);
    }
  });

  it("hands the service the ports, labels, and the env in the Pod to create but never in pod_spec", async () => {
    const { call, created } = fakeApp();
    const answer = await call(
      "POST",
      "/stacks",
      createWith({
        target_port: [
          { container_port: 53, protocol: "UDP" },
          { container_port: 53, protocol: "TCP" },
        ],
        labels: { team: "7", challenge: "dns" },
        env: { FLAG: "flag{per-stack}" },
      }),
    );
    expect(answer.status).toBe(201);
    const [request] = created;
    if (!request) throw new Error("the service was not asked to create");
    expect(request.targetPort).toBeNull();
    expect(request.ports).toEqual([
      { containerPort: 53, protocol: "UDP" },
      { containerPort: 53, protocol: "TCP" },
    ]);
    expect(request.labels).toEqual({ team: "7", challenge: "dns" });
    expect(request.podSpecYaml).not.toContain("flag{per-stack}");
    const manifest = request.manifest as {
      metadata: { annotations: Record<string, string> };
      spec: { containers: Array<{ env: unknown[] }> };
    };
    expect(manifest.spec.containers[0]?.env).toEqual([
      { name: "MODE", value: "ctf" },
      { name: "FLAG", value: "flag{per-stack}" },
    ]);
    expect(manifest.metadata.annotations["stackd.io/env"]).toBe('["FLAG"]');
  });

  it("keeps the v1.1 request as it was: an integer target_port, no labels", async () => {
    const { call, created } = fakeApp();
    await call("POST", "/stacks", JSON.stringify({ target_port: 80, pod_spec: contractPodSpec }));
    expect(created[0]).toMatchObject({
      targetPort: 80,
      ports: [{ containerPort: 80, protocol: "TCP" }],
      labels: {},
    });
  });
});

describe("GET filters, paging and include=env (no cluster)", () => {
  it("passes no filter and no page for a bare GET /stacks, and the parsed ones otherwise", async () => {
    const { call, listed } = fakeApp();
    await call("GET", "/stacks");
    await call("GET", `/stacks?api_key=${key}`);
    await call(
      "GET",
      "/stacks?label=team=7&label=challenge=web&status=running&status=creating&node=n1&limit=2",
    );
    expect(listed[0]).toEqual({ filter: { labels: [], statuses: null, nodes: null }, page: undefined });
    expect(listed[1]).toEqual(listed[0] as never);
    expect(listed[2]).toEqual({
      filter: {
        labels: [
          ["team", "7"],
          ["challenge", "web"],
        ],
        statuses: new Set(["running", "creating"]),
        nodes: new Set(["n1"]),
      },
      page: { limit: 2, after: null },
    });
  });

  it.each([
    [
      "/stacks?label=team",
      'invalid query: label must be key=value with a label name and a label value, got "team"',
    ],
    ["/stats?label=a/b=c", "invalid query: label must be key=value"],
    [
      "/stacks?status=gone",
      "invalid query: status must be one of creating, running, stopped, failed, node_deleted",
    ],
    ["/stats?status=gone", "invalid query: status must be one of"],
    ["/stacks?limit=0", "invalid query: limit must be an integer between 1 and 1000"],
    ["/stacks?limit=1001", "invalid query: limit must be an integer between 1 and 1000"],
    ["/stacks?limit=ten", "invalid query: limit must be an integer between 1 and 1000"],
    ["/stacks?limit=%2B5", "invalid query: limit must be an integer between 1 and 1000"],
    ["/stacks?limit=5e2", "invalid query: limit must be an integer between 1 and 1000"],
    ["/stacks?limit=0x10", "invalid query: limit must be an integer between 1 and 1000"],
    ["/stacks?limit=", "invalid query: limit must be an integer between 1 and 1000"],
    ["/stacks?cursor=bm9wZQ", "invalid query: cursor is not one this API gave"],
    [`/stacks/${record.stack_id}?include=spec`, 'invalid query: include must be "env", got "spec"'],
    [
      `/stacks/${record.stack_id}?include=env&include=spec`,
      'invalid query: include must be "env", got "spec"',
    ],
    [
      "/stacks?include=secret",
      'invalid query: include is taken only by GET /stacks/{id} (include=env), got "secret"',
    ],
    [
      "/stacks?include=env",
      'invalid query: include is taken only by GET /stacks/{id} (include=env), got "env"',
    ],
    ["/stacks?limit=5&include=", "invalid query: include is taken only by GET /stacks/{id}"],
    [
      "/stats?include=secret",
      'invalid query: include is taken only by GET /stacks/{id} (include=env), got "secret"',
    ],
  ])("answers 400 for %s", async (path, message) => {
    const { call } = fakeApp();
    const answer = await call("GET", path);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toStartWith(message);
  });

  it("reads a parameter given once as a list of one, and the first of a repeated single-valued one", async () => {
    const { call, listed } = fakeApp();
    await call("GET", "/stacks?status=running&node=n1&limit=7&limit=9&cursor=");
    expect(listed[0]).toEqual({
      filter: { labels: [], statuses: new Set(["running"]), nodes: new Set(["n1"]) },
      page: { limit: 7, after: null },
    });
  });

  it("returns the env values only with include=env", async () => {
    const { call } = fakeApp();
    const plain = await call("GET", `/stacks/${record.stack_id}`);
    expect(plain.body).toEqual(record);
    const withEnv = await call("GET", `/stacks/${record.stack_id}?include=env`);
    expect(withEnv.body).toEqual({ ...record, env: { FLAG: "flag{per-stack}" } });
  });
});

/** What could break out of a route's hostname, an HAProxy map line or an endpoint's `connect` line. */
describe("POST /stacks refuses ports that could break a route, a map entry or an endpoint (no cluster)", () => {
  const withPortName = (name: string) =>
    JSON.stringify({
      pod_spec: dnsSpec.replace(
        "{containerPort: 9153}",
        `{containerPort: 9153, name: ${JSON.stringify(name)}}`,
      ),
      target_port: [{ container_port: 9153, protocol: "TCP" }],
    });
  it.each([
    [
      "a protocol with a newline",
      createWith({ target_port: [{ container_port: 53, protocol: "TCP\nset map x y" }] }),
      'invalid request body: target_port[0].protocol must be "TCP" or "UDP"',
    ],
    [
      "a lower-case protocol",
      createWith({ target_port: [{ container_port: 53, protocol: "tcp" }] }),
      'invalid request body: target_port[0].protocol must be "TCP" or "UDP"',
    ],
    [
      "a port given as a string with a command",
      createWith({ target_port: [{ container_port: "53;del map", protocol: "TCP" }] }),
      "invalid request body: target_port[0].container_port must be an integer",
    ],
    [
      "an app_protocol with a newline",
      createWith({ target_port: [{ container_port: 53, protocol: "TCP", app_protocol: "http\nx" }] }),
      'invalid request body: target_port[0].app_protocol must be "tcp" or "http"',
    ],
    [
      "HTTP on a UDP port",
      createWith({ target_port: [{ container_port: 53, protocol: "UDP", app_protocol: "http" }] }),
      'invalid request body: target_port[0].app_protocol "http" needs protocol "TCP"',
    ],
    [
      "a port name with a newline",
      withPortName("web\nx"),
      `invalid pod spec: spec.containers[0].ports[2].name must be an IANA service name (at most 15 lower-case letters, digits and '-', with a letter, no '--', no '-' at either end), got "web\\nx"`,
    ],
    [
      "a port name with a space and a semicolon",
      withPortName("a b;c"),
      `invalid pod spec: spec.containers[0].ports[2].name must be an IANA service name (at most 15 lower-case letters, digits and '-', with a letter, no '--', no '-' at either end), got "a b;c"`,
    ],
  ])("refuses %s with 400", async (_, body, error) => {
    const { call, created } = fakeApp();
    const answer = await call("POST", "/stacks", body);
    expect(answer).toMatchObject({ status: 400, body: { error } });
    expect(created).toEqual([]);
  });

  it("keeps a port's name and marks a port named http as HTTP", async () => {
    const { call, created } = fakeApp();
    const spec = dnsSpec.replace("{containerPort: 9153}", "{containerPort: 9153, name: http}");
    const answer = await call(
      "POST",
      "/stacks",
      JSON.stringify({ pod_spec: spec, target_port: [{ container_port: 9153, protocol: "TCP" }] }),
    );
    expect(answer.status).toBe(201);
    expect(created[0]?.ports).toEqual([
      { containerPort: 9153, protocol: "TCP", appProtocol: "http", name: "http" },
    ]);
  });
});

import { describe, expect, it } from "bun:test";
import type { V1Pod, V1Service } from "@kubernetes/client-node";
import type { PodManifest, ProvisionInput, StackIdentity } from "../../../machines/stack.types.ts";
import type { KubeClient } from "../../../src/kube/client.ts";
import { KubeApiError, type KubeStatus } from "../../../src/kube/errors.ts";
import type { HttpMethod, KubeRequest } from "../../../src/kube/transport.ts";
import { silentLogger } from "../../../src/log/logger.ts";
import { PortAllocator } from "../../../src/ports/port-allocator.ts";
import { maxPortAttempts } from "../../../src/stacks/create-failures.ts";
import { createStackEffects } from "../../../src/stacks/stack-effects.ts";
import { writeRetryDelaysMs } from "../../../src/stacks/stack-writes.ts";
import { recordAnnotationOf, stackIdentityFixture } from "../../helpers/stack-fixtures.ts";

const stackId = "stack-0123456789abcdef";
const podsPath = "/api/v1/namespaces/stacks/pods";
const servicesPath = "/api/v1/namespaces/stacks/services";
const podPath = `${podsPath}/${stackId}`;
const servicePath = `${servicesPath}/svc-${stackId}`;

const podSpecYaml = [
  "apiVersion: v1",
  "kind: Pod",
  "metadata:",
  "  name: challenge",
  "  labels:",
  "    team: blue",
  "spec:",
  "  containers:",
  "  - name: app",
  "    image: nginx:from-yaml",
  "    ports:",
  "    - containerPort: 80",
  "      protocol: TCP",
  "  restartPolicy: Never",
  "status: {}",
  "",
].join("\n");

const identity: StackIdentity = stackIdentityFixture(stackId, {
  podSpecYaml,
  createdAt: Date.parse("2025-01-01T00:00:00.000Z"),
  ttlExpiresAt: Date.parse("2025-01-01T01:00:00.000Z"),
});

/** A sanitised manifest that differs from `podSpecYaml`, so a test can tell which one was used. */
function manifest(overrides: { protocol?: "TCP" | "UDP"; nodeSelector?: Record<string, string> } = {}) {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "challenge", labels: { team: "red" }, annotations: { note: "kept" } },
    spec: {
      containers: [
        {
          name: "app",
          image: "nginx:from-manifest",
          ports: [{ containerPort: 80, protocol: overrides.protocol ?? "TCP" }],
        },
      ],
      ...(overrides.nodeSelector ? { nodeSelector: overrides.nodeSelector } : {}),
      restartPolicy: "Never",
    },
    status: {},
  } satisfies PodManifest;
}

const status = (code: number, reason: string, message: string): KubeStatus => ({
  kind: "Status",
  status: "Failure",
  code,
  reason,
  message,
});

/** A refusal with a Status of the given code, reason and message. */
const plain = (code: number, reason: string, message: string) =>
  KubeApiError.fromResponse(code, JSON.stringify(status(code, reason, message)));

/** API server refusals, built the way the transport builds them from a response. */
const refusal = {
  portTaken: (port: number) =>
    KubeApiError.fromResponse(
      422,
      JSON.stringify(
        status(
          422,
          "Invalid",
          `Service "svc-${stackId}" is invalid: spec.ports[0].nodePort: Invalid value: ${port}: provided port is already allocated`,
        ),
      ),
    ),
  alreadyExists: (resource: string) =>
    KubeApiError.fromResponse(
      409,
      JSON.stringify(status(409, "AlreadyExists", `${resource} "${stackId}" already exists`)),
    ),
  quota: () =>
    KubeApiError.fromResponse(
      403,
      JSON.stringify(
        status(
          403,
          "Forbidden",
          `pods "${stackId}" is forbidden: exceeded quota: compute, requested: limits.cpu=2, used: limits.cpu=0, limited: limits.cpu=1`,
        ),
      ),
    ),
  limitRange: () =>
    KubeApiError.fromResponse(
      403,
      JSON.stringify(
        status(
          403,
          "Forbidden",
          `pods "${stackId}" is forbidden: maximum cpu usage per Container is 500m, but limit is 1`,
        ),
      ),
    ),
  invalid: () =>
    KubeApiError.fromResponse(
      422,
      JSON.stringify(
        status(422, "Invalid", `Pod "${stackId}" is invalid: spec.containers[0].image: Required value`),
      ),
    ),
  notFound: (path: string) =>
    KubeApiError.fromResponse(404, JSON.stringify(status(404, "NotFound", `${path} not found`))),
  internal: () =>
    KubeApiError.fromResponse(
      500,
      JSON.stringify(status(500, "InternalError", "etcdserver: request timed out")),
    ),
};

type Reply = unknown;

/**
 * A transport whose answers are scripted per method and path; an Error reply is thrown. Calls past
 * the script, and calls nobody scripted, succeed with an empty object.
 */
class ScriptedTransport {
  readonly calls: Array<{ method: HttpMethod; path: string; body: unknown; query?: unknown }> = [];
  #replies = new Map<string, (call: number) => Reply>();

  /** Answers the first calls to this method and path with these replies, in order. */
  on(method: HttpMethod, path: string, ...replies: Reply[]): this {
    return this.always(method, path, (call) => replies[call - 1] ?? {});
  }

  /** Answers the nth call (from 1) to this method and path with `reply(n)`. */
  always(method: HttpMethod, path: string, reply: (call: number) => Reply): this {
    this.#replies.set(`${method} ${path}`, reply);
    return this;
  }

  async send(method: HttpMethod, path: string, options: KubeRequest = {}): Promise<unknown> {
    this.calls.push({ method, path, body: options.body, query: options.query });
    const reply = this.#replies.get(`${method} ${path}`)?.(this.callsTo(method, path).length) ?? {};
    if (reply instanceof Error) throw reply;
    return reply;
  }

  callsTo(method: HttpMethod, path: string) {
    return this.calls.filter((call) => call.method === method && call.path === path);
  }

  postedPod(): V1Pod {
    const [call] = this.callsTo("POST", podsPath);
    expect(call).toBeDefined();
    return call?.body as V1Pod;
  }

  /** The nodePort of every Service POST, in order. */
  postedNodePorts(): Array<number | undefined> {
    return this.callsTo("POST", servicesPath).map(
      (call) => (call.body as V1Service).spec?.ports?.[0]?.nodePort,
    );
  }
}

/** Effects over a scripted transport and a real port allocator on its own database; the stack holds a lease. */
function harness(range: { min: number; max: number } = { min: 31000, max: 31009 }) {
  const ports = new PortAllocator(range);
  const transport = new ScriptedTransport();
  const kube = { transport } as unknown as KubeClient;
  const sleeps: number[] = [];
  const sleep = async (ms: number) => {
    sleeps.push(ms);
  };
  const effects = createStackEffects({
    kube,
    ports,
    nodeRole: "stack",
    instance: "ctf-a",
    logger: silentLogger,
    sleep,
  });
  const [nodePort] = ports.lease(stackId) ?? [];
  if (nodePort === undefined) throw new Error("the range has no port for the stack");
  const input = (manifestOverride: PodManifest | null = manifest()): ProvisionInput => ({
    identity,
    nodePorts: [nodePort],
    manifest: manifestOverride,
  });
  return { ports, transport, effects, nodePort, input, sleeps };
}

describe("provision and expose", () => {
  it("creates only the Pod when provisioning", async () => {
    const { effects, transport, input } = harness();
    expect(await effects.provision(input())).toEqual({ created: true });
    expect(transport.calls.map((call) => `${call.method} ${call.path}`)).toEqual([`POST ${podsPath}`]);
  });

  it("creates only the Service when exposing, and answers the leased nodePort", async () => {
    const { effects, transport, nodePort, input } = harness();
    expect(await effects.expose(input())).toEqual({ nodePorts: [nodePort] });
    expect(transport.calls.map((call) => `${call.method} ${call.path}`)).toEqual([`POST ${servicesPath}`]);
  });

  it("posts a NodePort Service selecting the stack on the leased port", async () => {
    const { effects, transport, nodePort, input } = harness();
    await effects.expose(input());
    const [call] = transport.callsTo("POST", servicesPath);
    expect(call?.body).toEqual({
      apiVersion: "v1",
      kind: "Service",
      metadata: {
        name: `svc-${stackId}`,
        namespace: "stacks",
        labels: expect.objectContaining({ "stackd.io/stack-id": stackId }),
        // What the cluster cannot tell of the stack, so that a lost database loses no stack.
        annotations: { "stackd.io/record": recordAnnotationOf(identity) },
      },
      spec: {
        type: "NodePort",
        selector: { "stackd.io/stack-id": stackId },
        ports: [{ name: "stack", port: 80, targetPort: 80, nodePort, protocol: "TCP" }],
      },
    });
  });

  it("exposes a UDP container port with a UDP Service", async () => {
    const { effects, transport, input } = harness();
    const udp = { ...identity, ports: [{ containerPort: 80, protocol: "UDP" as const }] };
    await effects.expose({ ...input(manifest({ protocol: "UDP" })), identity: udp });
    const [call] = transport.callsTo("POST", servicesPath);
    expect((call?.body as V1Service | undefined)?.spec?.ports?.[0]?.protocol).toBe("UDP");
  });

  describe("with several ports (the v1.2 array form)", () => {
    const multi = {
      ...identity,
      targetPort: null,
      ports: [
        { containerPort: 53, protocol: "TCP" as const },
        { containerPort: 53, protocol: "UDP" as const },
        { containerPort: 8080, protocol: "TCP" as const },
      ],
    };
    const servicePorts = (call: { body?: unknown } | undefined) =>
      (call?.body as V1Service | undefined)?.spec?.ports;

    it("posts one Service port per exposed port, named p-<port>-<proto>, each on its own leased nodePort", async () => {
      const { effects, transport, input } = harness();
      const result = await effects.expose({ ...input(), identity: multi, nodePorts: [31001, 31002, 31003] });
      expect(result).toEqual({ nodePorts: [31001, 31002, 31003] });
      expect(servicePorts(transport.callsTo("POST", servicesPath)[0])).toEqual([
        { name: "p-53-tcp", port: 53, targetPort: 53 as never, nodePort: 31001, protocol: "TCP" },
        { name: "p-53-udp", port: 53, targetPort: 53 as never, nodePort: 31002, protocol: "UDP" },
        { name: "p-8080-tcp", port: 8080, targetPort: 8080 as never, nodePort: 31003, protocol: "TCP" },
      ]);
    });

    it("leases another port only for the port the API server names as taken, and keeps the others", async () => {
      const ports = new PortAllocator({ min: 31000, max: 31009 });
      const transport = new ScriptedTransport();
      const effects = createStackEffects({
        kube: { transport } as unknown as KubeClient,
        ports,
        nodeRole: "stack",
        instance: "ctf-a",
        logger: silentLogger,
        sleep: async () => {},
      });
      const leased = ports.lease(stackId, 3) ?? [];
      expect(leased).toEqual([31000, 31001, 31002]);
      transport.on(
        "POST",
        servicesPath,
        KubeApiError.fromResponse(
          422,
          JSON.stringify({
            kind: "Status",
            status: "Failure",
            reason: "Invalid",
            code: 422,
            message: `Service "svc-${stackId}" is invalid: spec.ports[1].nodePort: Invalid value: 31001: provided port is already allocated`,
            details: {
              causes: [
                {
                  reason: "FieldValueInvalid",
                  message: "Invalid value: 31001: provided port is already allocated",
                  field: "spec.ports[1].nodePort",
                },
              ],
            },
          }),
        ),
      );
      const result = await effects.expose({ identity: multi, nodePorts: leased, manifest: null });
      expect(result).toEqual({ nodePorts: [31000, 31003, 31002] });
      expect(ports.lease(stackId, 3)).toEqual([31000, 31003, 31002]);
      ports.release(stackId);
      expect(ports.leasedCount()).toBe(0);
      expect(ports.lease("stack-other", 7)).not.toContain(31001);
    });
  });

  describe("the Pod it posts", () => {
    it("is the manifest given in the input, not the YAML parsed again", async () => {
      const { effects, transport, input } = harness();
      await effects.provision(input(manifest()));
      const pod = transport.postedPod();
      expect(pod.spec?.containers.map((container) => container.image)).toEqual(["nginx:from-manifest"]);
      expect(pod.metadata?.labels?.team).toBe("red");
      expect(pod.metadata?.annotations).toEqual({ note: "kept" });
    });

    it("is parsed from identity.podSpecYaml when the manifest is null", async () => {
      const { effects, transport, input } = harness();
      await effects.provision(input(null));
      const pod = transport.postedPod();
      expect(pod.spec?.containers.map((container) => container.image)).toEqual(["nginx:from-yaml"]);
      expect(pod.spec?.restartPolicy).toBe("Never");
      expect(pod.metadata?.labels?.team).toBe("blue");
    });

    it("is named after the stack, carries stackd's labels and selects nodes of the stack role", async () => {
      const { effects, transport, input } = harness();
      await effects.provision(input(null));
      const pod = transport.postedPod();
      expect(pod.apiVersion).toBe("v1");
      expect(pod.kind).toBe("Pod");
      expect(pod.metadata?.name).toBe(stackId);
      expect(pod.metadata?.namespace).toBe("stacks");
      expect(pod.metadata?.labels).toEqual({
        team: "blue",
        "app.kubernetes.io/managed-by": "stackd",
        "app.kubernetes.io/name": "stackd-stack",
        "app.kubernetes.io/instance": stackId,
        "stackd.io/stack-id": stackId,
        "stackd.io/instance": "ctf-a",
      });
      expect(pod.spec?.nodeSelector).toEqual({ role: "stack" });
      expect(pod).not.toHaveProperty("status");
    });

    it("carries the instance label even when the manifest sets another one", async () => {
      const { effects, transport, input } = harness();
      const given = manifest();
      await effects.provision(
        input({
          ...given,
          metadata: { ...given.metadata, labels: { "stackd.io/instance": "someone-else" } },
        }),
      );
      expect(transport.postedPod().metadata?.labels?.["stackd.io/instance"]).toBe("ctf-a");
    });

    it("keeps the manifest's own nodeSelector but forces the role", async () => {
      const { effects, transport, input } = harness();
      await effects.provision(input(manifest({ nodeSelector: { disk: "ssd", role: "control-plane" } })));
      expect(transport.postedPod().spec?.nodeSelector).toEqual({ disk: "ssd", role: "stack" });
    });

    it("leaves the input's manifest unchanged", async () => {
      const { effects, input } = harness();
      const given = manifest();
      await effects.provision(input(given));
      expect(given).toEqual(manifest());
    });
  });

  describe("the Service it posts", () => {
    it("carries stackd's labels with the instance and selects the stack's pod by its id", async () => {
      const { effects, transport, input } = harness();
      await effects.expose(input());
      const [call] = transport.callsTo("POST", servicesPath);
      const service = call?.body as V1Service;
      expect(service.metadata?.labels).toEqual({
        "app.kubernetes.io/managed-by": "stackd",
        "app.kubernetes.io/name": "stackd-stack",
        "app.kubernetes.io/instance": stackId,
        "stackd.io/stack-id": stackId,
        "stackd.io/instance": "ctf-a",
      });
      expect(service.spec?.selector).toEqual({ "stackd.io/stack-id": stackId });
    });
  });

  describe("when the nodePort is taken outside stackd", () => {
    it("leases another port, retries the Service with it and answers the new port", async () => {
      const { effects, transport, nodePort, input, ports } = harness();
      transport.on("POST", servicesPath, refusal.portTaken(nodePort));
      const result = await effects.expose(input());
      expect(result).toEqual({ nodePorts: [nodePort + 1] });
      expect(transport.postedNodePorts()).toEqual([nodePort, nodePort + 1]);
      expect(ports.lease(stackId)).toEqual([nodePort + 1]);
    });

    it("waits for the cluster's nodePorts still on their way (just after a start) before leasing another after a 422", async () => {
      const { effects, transport, ports, nodePort, input } = harness();
      const list = Promise.withResolvers<number[]>();
      void ports.learnClusterPorts(list.promise);
      transport.on("POST", servicesPath, refusal.portTaken(nodePort));
      const exposed = effects.expose(input());
      // Every turn the effect could take on its own, without the list: it must stay at its first POST.
      for (let turn = 0; turn < 50; turn += 1) await Promise.resolve();
      expect(transport.postedNodePorts()).toEqual([nodePort]);
      list.resolve([nodePort + 1, nodePort + 2, nodePort + 3]);
      expect(await exposed).toEqual({ nodePorts: [nodePort + 4] });
      expect(transport.postedNodePorts()).toEqual([nodePort, nodePort + 4]);
    });

    it("never leases the refused port again, even after the stack releases its lease", async () => {
      const { effects, transport, nodePort, input, ports } = harness({ min: 31000, max: 31004 });
      transport.on("POST", servicesPath, refusal.portTaken(nodePort));
      await effects.expose(input());
      ports.release(stackId);
      const others = ["stack-b", "stack-c", "stack-d", "stack-e", "stack-f"].map(
        (other) => ports.lease(other)?.[0] ?? null,
      );
      expect(others).toEqual([31002, 31003, 31004, 31001, null]);
      expect(others).not.toContain(nodePort);
    });

    it("gives up with no_port when the range has no other port", async () => {
      const { effects, transport, nodePort, input } = harness({ min: 31000, max: 31000 });
      transport.on("POST", servicesPath, refusal.portTaken(nodePort));
      const result = await effects.expose(input());
      expect(result).toEqual({ failure: { code: "no_port", message: expect.any(String) } });
      expect(transport.postedNodePorts()).toEqual([nodePort]);
    });

    it(`gives up with no_port after ${maxPortAttempts} taken ports`, async () => {
      const { effects, transport, input } = harness({ min: 31000, max: 31099 });
      transport.always("POST", servicesPath, (call) => refusal.portTaken(31000 + call - 1));
      const result = await effects.expose(input());
      expect(result).toEqual({
        failure: { code: "no_port", message: `no free nodePort after ${maxPortAttempts} attempts` },
      });
      const tried = transport.postedNodePorts();
      expect(tried).toHaveLength(maxPortAttempts);
      expect(new Set(tried).size).toBe(maxPortAttempts);
    });

    it("answers the port of a Service that succeeds on the last attempt", async () => {
      const { effects, transport, input } = harness({ min: 31000, max: 31099 });
      transport.always("POST", servicesPath, (call) =>
        call < maxPortAttempts ? refusal.portTaken(31000 + call - 1) : {},
      );
      const result = await effects.expose(input());
      expect(result).toEqual({ nodePorts: [31000 + maxPortAttempts - 1] });
    });
  });

  describe("when the Service already exists", () => {
    it("adopts it by GET and answers its nodePort", async () => {
      const { effects, transport, input } = harness();
      transport
        .on("POST", servicesPath, refusal.alreadyExists("services"))
        .on("GET", servicePath, { spec: { ports: [{ port: 80, protocol: "TCP", nodePort: 31007 }] } });
      expect(await effects.expose(input())).toEqual({ nodePorts: [31007] });
      expect(transport.callsTo("GET", servicePath)).toHaveLength(1);
    });

    it("answers the leased port when the existing Service shows none", async () => {
      const { effects, transport, nodePort, input } = harness();
      transport
        .on("POST", servicesPath, refusal.alreadyExists("services"))
        .on("GET", servicePath, { spec: {} });
      expect(await effects.expose(input())).toEqual({ nodePorts: [nodePort] });
    });
  });

  describe("when the API server refuses the Pod", () => {
    it("counts an AlreadyExists Pod as created", async () => {
      const { effects, transport, input } = harness();
      transport.on("POST", podsPath, refusal.alreadyExists("pods"));
      expect(await effects.provision(input())).toEqual({ created: true });
    });

    const refusals = [
      { name: "exceeded quota (403)", error: refusal.quota, code: "quota_exceeded" },
      { name: "a LimitRange maximum (403)", error: refusal.limitRange, code: "limit_range" },
      { name: "an invalid Pod (422)", error: refusal.invalid, code: "invalid" },
      { name: "a server error (500)", error: refusal.internal, code: "unavailable" },
      {
        name: "throttling (429)",
        error: () => plain(429, "TooManyRequests", "too many requests"),
        code: "unavailable",
      },
      {
        name: "an admission refusal of the user's pod (403 priority)",
        error: () =>
          plain(
            403,
            "Forbidden",
            `pods "${stackId}" is forbidden: the integer value of priority (5) must not be provided in pod spec`,
          ),
        code: "invalid",
      },
      {
        name: "a Pod Security refusal (403)",
        error: () =>
          plain(
            403,
            "Forbidden",
            `pods "${stackId}" is forbidden: violates PodSecurity "baseline:latest": host namespaces`,
          ),
        code: "invalid",
      },
      {
        name: "a strict decoding error (400)",
        error: () =>
          plain(
            400,
            "BadRequest",
            'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.bogus"',
          ),
        code: "invalid",
      },
      {
        name: "stackd's own missing permission (403 RBAC)",
        error: () =>
          plain(
            403,
            "Forbidden",
            'pods is forbidden: User "system:serviceaccount:stackd:stackd" cannot create resource "pods" in API group "" in the namespace "stacks"',
          ),
        code: "internal",
      },
    ] as const;

    for (const { name, error, code } of refusals) {
      const told = code === "unavailable" ? "its kind only (a 5xx may name etcd's address)" : "its message";
      it(`answers ${code} for ${name}, with ${told}`, async () => {
        const { effects, transport, input } = harness();
        const thrown = error();
        transport.on("POST", podsPath, thrown);
        const summaries: Record<number, string> = {
          429: "throttled (HTTP 429)",
          500: "HTTP 500 InternalError",
        };
        const message = code === "unavailable" ? (summaries[thrown.status] ?? "") : thrown.message;
        expect(await effects.provision(input())).toEqual({ failure: { code, message } });
      });
    }

    it("answers unavailable when the API server cannot be reached, naming no address", async () => {
      const { effects, transport, input } = harness();
      const refused = Object.assign(new TypeError("ECONNREFUSED: Unable to connect"), {
        code: "ECONNREFUSED",
      });
      transport.on("POST", podsPath, refused);
      expect(await effects.provision(input())).toEqual({
        failure: { code: "unavailable", message: "connection refused" },
      });
    });

    it("asks the API server to refuse unknown and duplicate fields (fieldValidation=Strict)", async () => {
      const { effects, transport, input } = harness();
      await effects.provision(input());
      await effects.expose(input());
      expect(transport.calls.map((call) => call.query)).toEqual([
        { fieldValidation: "Strict" },
        { fieldValidation: "Strict" },
      ]);
    });

    it("answers the Pod's failure without creating a Service", async () => {
      const { effects, transport, input } = harness();
      const thrown = refusal.quota();
      transport.on("POST", podsPath, thrown);
      expect(await effects.provision(input())).toEqual({
        failure: { code: "quota_exceeded", message: thrown.message },
      });
      expect(transport.callsTo("POST", servicesPath)).toHaveLength(0);
    });
  });

  it("answers the Service's refusal when exposing", async () => {
    const { effects, transport, input } = harness();
    const thrown = refusal.quota();
    transport.on("POST", servicesPath, thrown);
    expect(await effects.expose(input())).toEqual({
      failure: { code: "quota_exceeded", message: thrown.message },
    });
  });
});

describe("restoreService", () => {
  it("creates only the Service again and answers its nodePort", async () => {
    const { effects, transport, nodePort, input } = harness();
    expect(await effects.restoreService(input(null))).toEqual({ nodePorts: [nodePort] });
    expect(transport.calls.map((call) => `${call.method} ${call.path}`)).toEqual([`POST ${servicesPath}`]);
  });

  it("retries the same port while the API server still holds it just after the delete", async () => {
    const { effects, transport, nodePort, input, sleeps, ports } = harness();
    transport.on("POST", servicesPath, refusal.portTaken(nodePort), refusal.portTaken(nodePort));
    expect(await effects.restoreService(input(null))).toEqual({ nodePorts: [nodePort] });
    expect(sleeps).toEqual([100, 200]);
    expect(ports.leasedCount()).toBe(1);
  });

  it("leases another port when the old one stays taken", async () => {
    const { effects, transport, nodePort, input } = harness();
    const taken = refusal.portTaken(nodePort);
    transport.on("POST", servicesPath, taken, taken, taken, taken, taken, taken);
    expect(await effects.restoreService(input(null))).toEqual({ nodePorts: [nodePort + 1] });
  });
});

describe("teardown", () => {
  it("deletes the Pod and the Service", async () => {
    const { effects, transport } = harness();
    await effects.teardown({ identity });
    expect(transport.calls.map((call) => `${call.method} ${call.path}`).sort()).toEqual([
      `DELETE ${podPath}`,
      `DELETE ${servicePath}`,
    ]);
  });

  it("counts a Pod and a Service that are already gone (404) as done", async () => {
    const { effects, transport } = harness();
    transport
      .on("DELETE", podPath, refusal.notFound(podPath))
      .on("DELETE", servicePath, refusal.notFound(servicePath));
    await expect(effects.teardown({ identity })).resolves.toBeUndefined();
  });

  it("throws the API server's error on a 500 that outlasts the write retries, so the machine retries", async () => {
    const { effects, transport, sleeps } = harness();
    transport.always("DELETE", servicePath, () => refusal.internal());
    const failure = await effects.teardown({ identity }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(KubeApiError);
    expect((failure as KubeApiError).status).toBe(500);
    expect(transport.callsTo("DELETE", servicePath)).toHaveLength(writeRetryDelaysMs.length + 1);
    expect(sleeps).toEqual(writeRetryDelaysMs);
  });

  it("deletes after one 500 by retrying it once", async () => {
    const { effects, transport, sleeps } = harness();
    transport.on("DELETE", servicePath, refusal.internal());
    await expect(effects.teardown({ identity })).resolves.toBeUndefined();
    expect(transport.callsTo("DELETE", servicePath)).toHaveLength(2);
    expect(sleeps).toEqual([writeRetryDelaysMs[0] as number]);
  });

  it("throws when the API server cannot be reached", async () => {
    const { effects, transport } = harness();
    transport.always("DELETE", podPath, () => new TypeError("fetch failed"));
    const failure = await effects.teardown({ identity }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(KubeApiError);
    expect((failure as KubeApiError).status).toBe(0);
  });
});

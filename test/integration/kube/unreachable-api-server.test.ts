import { afterAll, describe, expect, it } from "bun:test";
import { nodePortExposure } from "../../../src/exposure/exposure-leases.ts";
import { createApp } from "../../../src/http/app.ts";
import { KeyRing } from "../../../src/keys/key-ring.ts";
import type { KubeClient } from "../../../src/kube/client.ts";
import { clientSummary, toKubeApiError } from "../../../src/kube/errors.ts";
import { KubeTransport } from "../../../src/kube/transport.ts";
import { silentLogger } from "../../../src/log/logger.ts";
import { PortAllocator } from "../../../src/ports/port-allocator.ts";
import { provideStackEffects } from "../../../src/stacks/provided-stack-machine.ts";
import { StackActors } from "../../../src/stacks/stack-actors.ts";
import { createStackEffects } from "../../../src/stacks/stack-effects.ts";
import { StackReads } from "../../../src/stacks/stack-reads.ts";
import { StackService } from "../../../src/stacks/stack-service.ts";
import { openDatabase } from "../../../src/store/database.ts";
import { StackStore } from "../../../src/store/stack-store.ts";
import { contractPodSpec, testApiKey } from "../../helpers/stackd.ts";

/** A 127.0.0.1 port nothing listens on: taken from a socket that is closed again. */
function closedPort(): number {
  const socket = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = socket;
  socket.stop(true);
  return port;
}

/** A 127.0.0.1 port that accepts connections and never answers, as a frozen API server does. */
const silent = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });

const stopped: Array<() => void> = [];
afterAll(() => {
  for (const stop of stopped) stop();
  silent.stop(true);
});

const transportTo = (server: string) =>
  new KubeTransport(
    { server, tls: { rejectUnauthorized: true }, credentials: { headers: async () => ({}) } },
    undefined,
    300,
  );

/** The HTTP app over the real service, actors and effects, whose every API request goes to `server`. */
function appAgainst(server: string) {
  const ports = new PortAllocator({ min: 31001, max: 31010 });
  ports.sync([]);
  const kube = { transport: transportTo(server) } as KubeClient;
  const effects = createStackEffects({ kube, ports, nodeRole: "stack", instance: "t", logger: silentLogger });
  const machine = provideStackEffects(effects, { now: Date.now, schedulingTimeoutMs: 20_000 });
  const store = new StackStore(openDatabase(":memory:"));
  const actors = new StackActors({ machine, store, ports, logger: silentLogger });
  stopped.push(() => actors.stopAll());
  const reads = new StackReads(actors, () => ports.leasedCount());
  const service = new StackService({
    actors,
    reads,
    exposure: nodePortExposure(ports),
    namespace: "stacks",
    stackTtlMs: 3_600_000,
    createDeadlineMs: 25_000,
    deleteWaitMs: 100,
  });
  const app = createApp({
    commands: service,
    queries: reads,
    logger: silentLogger,
    keys: new KeyRing([{ name: "default", key: testApiKey }]),
    maxBodyBytes: 1_048_576,
  });
  return async () => {
    const response = await app.handle(
      new Request("http://localhost/stacks", {
        method: "POST",
        headers: { "x-api-key": testApiKey, "content-type": "application/json" },
        body: JSON.stringify({ target_port: 80, pod_spec: contractPodSpec }),
      }),
    );
    return { status: response.status, body: (await response.json()) as { error: string } };
  };
}

describe("an API server that cannot be reached", () => {
  it("is told to clients as the kind of failure, and to the log with its address", async () => {
    const server = `https://127.0.0.1:${closedPort()}`;
    const failure = await transportTo(server)
      .send("GET", "/api/v1/namespaces/stacks/pods")
      .then(() => undefined, toKubeApiError);
    expect(failure?.status).toBe(0);
    expect(failure?.message).toContain(server);
    expect(failure && clientSummary(failure)).toBe("connection refused");
  });

  it("answers a create 503 kubernetes unavailable: connection refused, naming no address", async () => {
    const port = closedPort();
    const answer = await appAgainst(`https://127.0.0.1:${port}`)();
    expect(answer).toEqual({ status: 503, body: { error: "kubernetes unavailable: connection refused" } });
  });

  it("answers a create 503 kubernetes unavailable: timeout when the API server never answers", async () => {
    const answer = await appAgainst(`https://127.0.0.1:${silent.port}`)();
    expect(answer).toEqual({ status: 503, body: { error: "kubernetes unavailable: timeout" } });
  });
});

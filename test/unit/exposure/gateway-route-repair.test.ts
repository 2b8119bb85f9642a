import { describe, expect, it } from "bun:test";
import type { StackIdentity } from "../../../machines/stack.types.ts";
import { stackRoutesOf } from "../../../src/exposure/gateway/gateway-exposure.ts";
import { GatewayRouteRepair } from "../../../src/exposure/gateway/gateway-route-repair.ts";
import type { GatewayRef } from "../../../src/exposure/gateway/gateway-routes.ts";
import type { KubeTransport } from "../../../src/kube/transport.ts";
import { silentLogger } from "../../../src/log/logger.ts";
import type { StackActor } from "../../../src/stacks/stack-actors.ts";

const gateway: GatewayRef = { namespace: "edge-ns", name: "edge", tlsSection: "tls", httpsSection: "https" };

function identityOf(stackId: string): StackIdentity {
  return {
    stackId,
    namespace: "stacks",
    podName: stackId,
    serviceName: `svc-${stackId}`,
    ports: [{ containerPort: 1337, protocol: "TCP" }],
    targetPort: 1337,
    labels: {},
    podSpecYaml: "",
    createdAt: 0,
    ttlExpiresAt: 1,
    requestedCpuMilli: 0,
    requestedMemoryBytes: 0,
    exposure: { mode: "gateway", hostname: `${stackId}.inst.example.org`, public_port: 443 },
  };
}

/** A stack actor as the repair reads it: active, and running or still provisioning. */
function fakeActor(stackId: string, state: { running: boolean }): StackActor {
  return {
    getSnapshot: () => ({
      status: "active",
      context: identityOf(stackId),
      matches: (value: unknown) =>
        state.running && JSON.stringify(value) === JSON.stringify({ live: "running" }),
    }),
  } as unknown as StackActor;
}

/** A transport that answers the route lists with `listed`, each Service with a uid, and records every write. */
function fakeTransport(listed: () => unknown[]) {
  const writes: string[] = [];
  const transport = {
    async send(method: string, path: string) {
      if (method === "GET" && path.endsWith("/tlsroutes")) return { items: listed() };
      if (method === "GET" && path.endsWith("/httproutes")) return { items: [] };
      if (method === "GET" && path.includes("/services/")) return { metadata: { uid: "uid-1" } };
      writes.push(`${method} ${path}`);
      return {};
    },
  } as unknown as KubeTransport;
  return { transport, writes };
}

function repairOf(actors: Map<string, StackActor>, transport: KubeTransport) {
  return new GatewayRouteRepair({
    actors: {
      actorOf: (stackId) => actors.get(stackId),
      stackIds: function* () {
        yield* actors.keys();
      },
    },
    transport,
    namespace: "stacks",
    instance: "stackd",
    gateway,
    logger: silentLogger,
    intervalMs: 60_000,
    mayWrite: () => null,
  });
}

describe("GatewayRouteRepair", () => {
  it("creates the routes of a running stack that are missing from the list", async () => {
    const actors = new Map([["stack-a", fakeActor("stack-a", { running: true })]]);
    const { transport, writes } = fakeTransport(() => []);
    expect(await repairOf(actors, transport).repair()).toBe(1);
    expect(writes).toEqual(["POST /apis/gateway.networking.k8s.io/v1/namespaces/stacks/tlsroutes"]);
  });

  it("leaves a running stack alone when its routes are listed", async () => {
    const actors = new Map([["stack-a", fakeActor("stack-a", { running: true })]]);
    const routes = stackRoutesOf(identityOf("stack-a"), { uid: "uid-1" }, gateway, "stackd");
    const { transport, writes } = fakeTransport(() => routes);
    expect(await repairOf(actors, transport).repair()).toBe(0);
    expect(writes).toEqual([]);
  });

  // Under a load of creates, every pass took the stacks created while it listed for routes deleted
  // outside stackd: a false warning each, and a GET, POST and GET per stack for routes that existed.
  it("does not take a stack that made its routes while the list was read for one whose routes were deleted", async () => {
    const state = { running: false };
    const actors = new Map([["stack-new", fakeActor("stack-new", state)]]);
    const { transport, writes } = fakeTransport(() => {
      // The create finishes (routes made, stack running) while the list is on its way: it is not in it.
      state.running = true;
      return [];
    });
    expect(await repairOf(actors, transport).repair()).toBe(0);
    expect(writes).toEqual([]);
  });
});

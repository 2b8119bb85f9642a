import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { V1Service } from "@kubernetes/client-node";
import { GatewayNotReadyError } from "../../../src/exposure/gateway/gateway-readiness.ts";
import type { GatewayRoute } from "../../../src/exposure/gateway/gateway-routes.ts";
import { gatewayRoutesPath } from "../../../src/exposure/gateway/route-client.ts";
import type { TypedKubeClient } from "../../../src/kube/typed-api.ts";
import { localGateway } from "../../../tools/cluster/gateway-fixture.ts";
import {
  createTestNamespace,
  deleteTestNamespace,
  eventually,
  gone,
  testKubeClient,
} from "../../helpers/cluster.ts";
import { failureOf } from "../../helpers/failures.ts";
import { startTestStackd, type TestStackd } from "../../helpers/stackd.ts";

const gatewayEnv = {
  STACK_EXPOSURE: "gateway",
  STACK_EXPOSURE_DOMAIN: localGateway.domain,
  STACK_GATEWAY: `${localGateway.namespace}/${localGateway.name}`,
  // Repairs are what this file waits for: a short sweep keeps it quick.
  STACK_SCHEDULER_INTERVAL: "500ms",
};

/** A challenge with a raw TCP port and an HTTP one (named `http`, so its route is an HTTPRoute). */
const twoPortPod = [
  "apiVersion: v1",
  "kind: Pod",
  "metadata:",
  "  name: challenge",
  "spec:",
  "  containers:",
  "    - name: app",
  "      image: nginx:stable",
  "      ports: [{containerPort: 1337}, {containerPort: 8080, name: http}]",
  '      resources: {limits: {cpu: "100m", memory: 64Mi}}',
].join("\n");

const createBody = {
  pod_spec: twoPortPod,
  target_port: [
    { container_port: 1337, protocol: "TCP" },
    { container_port: 8080, protocol: "TCP" },
  ],
};

async function routeOf(
  kube: TypedKubeClient,
  namespace: string,
  kind: "TLSRoute" | "HTTPRoute",
  name: string,
) {
  return kube.transport
    .send<GatewayRoute>("GET", `${gatewayRoutesPath(kind, namespace)}/${name}`)
    .catch(() => undefined);
}

describe("STACK_EXPOSURE=gateway against the real API server (its CRDs' validation; no Gateway controller runs here)", () => {
  const kube = testKubeClient();
  let namespace: string;
  let service: TestStackd | undefined;

  beforeAll(async () => {
    namespace = await createTestNamespace(kube, "gw-mode");
    service = await startTestStackd(kube, gatewayEnv, { namespace });
  });

  afterAll(async () => {
    await service?.stop();
    await deleteTestNamespace(kube, namespace);
  });

  it("gives a stack an unguessable hostname, a ClusterIP Service and one route per port, owned by the Service", async () => {
    const created = await service?.call("POST", "/stacks", createBody);
    expect(created?.status).toBe(201);
    const record = created?.body;
    const hostname: string = record.exposure.hostname;
    expect(hostname).toMatch(/^[a-z2-7]{13}\.inst\.stackd\.test$/);
    const label = hostname.split(".")[0];
    expect(record.node_public_ip).toBe(hostname);
    expect(record.ports.map((port: { node_port: number }) => port.node_port)).toEqual([443, 443]);
    expect(record.endpoints).toEqual([
      { protocol: "TCP", kind: "tls", host: hostname, port: 443, connect: `ncat --ssl ${hostname} 443` },
      {
        port_name: "http",
        protocol: "TCP",
        kind: "https",
        host: `${label}-8080.inst.stackd.test`,
        port: 443,
        connect: `https://${label}-8080.inst.stackd.test/`,
      },
    ]);
    const svc = await kube.transport.send<V1Service>(
      "GET",
      `/api/v1/namespaces/${namespace}/services/${record.service_name}`,
    );
    expect(svc.spec?.type).toBe("ClusterIP");
    expect(svc.spec?.ports?.every((port) => port.nodePort === undefined)).toBe(true);
    const tls = await routeOf(kube, namespace, "TLSRoute", `${record.service_name}-1337`);
    const http = await routeOf(kube, namespace, "HTTPRoute", `${record.service_name}-8080`);
    expect(tls?.spec.hostnames).toEqual([hostname]);
    expect(tls?.spec.parentRefs[0]).toMatchObject({
      namespace: localGateway.namespace,
      name: localGateway.name,
      sectionName: localGateway.tlsSection,
    });
    expect(http?.spec.hostnames).toEqual([`${label}-8080.inst.stackd.test`]);
    expect(http?.spec.parentRefs[0]?.sectionName).toBe(localGateway.httpsSection);
    for (const route of [tls, http])
      expect(route?.metadata.ownerReferences?.[0]).toMatchObject({ kind: "Service", uid: svc.metadata?.uid });
  });

  it("makes every hostname unique", async () => {
    const hostnames = new Set<string>();
    for (let index = 0; index < 5; index += 1) {
      const created = await service?.call("POST", "/stacks", createBody);
      expect(created?.status).toBe(201);
      hostnames.add(created?.body.exposure.hostname);
    }
    expect(hostnames.size).toBe(5);
  });

  it("refuses a UDP port, which the TLS edge cannot carry, with 400", async () => {
    const udpPod = twoPortPod.replace("{containerPort: 1337}", "{containerPort: 53, protocol: UDP}");
    const refused = await service?.call("POST", "/stacks", {
      pod_spec: udpPod,
      target_port: [{ container_port: 53, protocol: "UDP" }],
    });
    expect(refused?.status).toBe(400);
    expect(refused?.body.error).toStartWith("invalid target_port: target_port[0] is UDP");
  });

  it("creates a route deleted behind its back again", async () => {
    const created = await service?.call("POST", "/stacks", createBody);
    const name = `${created?.body.service_name}-1337`;
    await kube.transport.send("DELETE", `${gatewayRoutesPath("TLSRoute", namespace)}/${name}`);
    const back = await eventually(
      "the TLSRoute back",
      () => routeOf(kube, namespace, "TLSRoute", name),
      15_000,
    );
    expect(back?.spec.hostnames).toEqual([created?.body.exposure.hostname]);
  });

  // No Gateway controller runs here: the test writes the route's status itself, as a controller would.
  it("fails a stack whose route the Gateway refuses, saying why", async () => {
    const created = await service?.call("POST", "/stacks", createBody);
    const stackId = created?.body.stack_id;
    const name = `${created?.body.service_name}-1337`;
    const route = (await routeOf(kube, namespace, "TLSRoute", name)) as GatewayRoute;
    const condition = {
      type: "Accepted",
      status: "False",
      reason: "NotAllowedByListeners",
      message: "written by the test",
      observedGeneration: route.metadata.generation,
      lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    };
    await kube.transport.send("PATCH", `${gatewayRoutesPath("TLSRoute", namespace)}/${name}/status`, {
      body: {
        status: {
          parents: [
            {
              parentRef: route.spec.parentRefs[0],
              controllerName: "stackd.test/fake",
              conditions: [condition],
            },
          ],
        },
      },
      contentType: "application/merge-patch+json",
    });
    const failed = await eventually("the stack failed", async () => {
      const read = await service?.call("GET", `/stacks/${stackId}`);
      return read?.body.status === "failed" ? read.body : undefined;
    });
    expect(failed.status_reason).toBe(
      `route refused by the Gateway: TLSRoute ${name}: NotAllowedByListeners: written by the test`,
    );
  });

  it("deletes a stack's routes with it", async () => {
    const created = await service?.call("POST", "/stacks", createBody);
    const serviceName = created?.body.service_name;
    expect((await service?.call("DELETE", `/stacks/${created?.body.stack_id}`))?.status).toBe(200);
    for (const [kind, port] of [
      ["TLSRoute", 1337],
      ["HTTPRoute", 8080],
    ] as const) {
      const path = `${gatewayRoutesPath(kind, namespace)}/${serviceName}-${port}`;
      expect(await eventually(`${kind} gone`, () => gone(() => kube.transport.send("GET", path)))).toBe(true);
    }
  });

  it("rebuilds the routes of its stacks at a restart", async () => {
    const created = await service?.call("POST", "/stacks", createBody);
    const name = `${created?.body.service_name}-8080`;
    const dbPath = service?.dbPath as string;
    await service?.stop();
    service = undefined;
    await kube.transport.send("DELETE", `${gatewayRoutesPath("HTTPRoute", namespace)}/${name}`);
    service = await startTestStackd(kube, { ...gatewayEnv, DB_PATH: dbPath }, { namespace });
    const back = await eventually(
      "the HTTPRoute back",
      () => routeOf(kube, namespace, "HTTPRoute", name),
      15_000,
    );
    expect(back?.spec.hostnames?.[0]).toStartWith(`${created?.body.exposure.hostname.split(".")[0]}-8080.`);
    expect((await service.call("GET", `/stacks/${created?.body.stack_id}`)).body.endpoints).toEqual(
      created?.body.endpoints,
    );
  });

  it("refuses to start when the named Gateway does not exist, naming it", async () => {
    const refusal = await failureOf(
      startTestStackd(
        kube,
        { ...gatewayEnv, STACK_GATEWAY: `${localGateway.namespace}/no-such-gateway` },
        { namespace },
      ),
    );
    expect(refusal).toBeInstanceOf(GatewayNotReadyError);
    expect((refusal as Error).message).toContain(`${localGateway.namespace}/no-such-gateway`);
  });
});

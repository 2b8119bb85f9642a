import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { type GatewayRoute, gatewayRoutesOf } from "../../../src/exposure/gateway/gateway-routes.ts";
import {
  createGatewayRoutes,
  deleteGatewayRoutes,
  gatewayRoutesPath,
  listGatewayRoutes,
  readGatewayRoute,
} from "../../../src/exposure/gateway/route-client.ts";
import { routeAccepted } from "../../../src/exposure/gateway/route-status.ts";
import { KubeApiError, toKubeApiError } from "../../../src/kube/errors.ts";
import { gatewayApiVersion } from "../../../tools/cluster/gateway-api.ts";
import { localGateway } from "../../../tools/cluster/gateway-fixture.ts";
import {
  createTestNamespace,
  deleteTestNamespace,
  eventually,
  gone,
  testKubeClient,
} from "../../helpers/cluster.ts";

// Route objects against the real API server with the Gateway API CRDs that `cluster up` installs. No
// Gateway controller runs on the local cluster: nothing serves traffic and nobody writes route status,
// so the acceptance test writes status.parents itself, as a controller would.

const kube = testKubeClient();
const { transport } = kube;
let namespace = "";

beforeAll(async () => {
  namespace = await createTestNamespace(kube, "gateway-routes");
});

afterAll(() => deleteTestNamespace(kube, namespace));

/** A ClusterIP Service standing for a stack's; returns its uid. */
async function createService(name: string, ports: number[]): Promise<string> {
  const service = await kube.core.createNamespacedService({
    namespace,
    body: {
      metadata: { name },
      spec: {
        selector: { app: name },
        ports: ports.map((port) => ({ name: `p-${port}`, port, targetPort: port as never })),
      },
    },
  });
  return service.metadata?.uid ?? "";
}

function stackRoutes(stackId: string, serviceUid: string): GatewayRoute[] {
  return gatewayRoutesOf(
    {
      stackId,
      namespace,
      serviceName: `svc-${stackId}`,
      serviceUid,
      instance: "stackd",
      routes: [
        { hostname: `${stackId}-nc.${localGateway.domain}`, containerPort: 1337, kind: "tls" },
        { hostname: `${stackId}-web.${localGateway.domain}`, containerPort: 80, kind: "https" },
      ],
    },
    localGateway,
  );
}

const newStackId = () => `stack-${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;

async function refusalOf(write: () => Promise<unknown>): Promise<KubeApiError> {
  const error = await write().then(
    () => undefined,
    (failure: unknown) => toKubeApiError(failure),
  );
  if (!(error instanceof KubeApiError)) throw new Error("the API server accepted it");
  return error;
}

describe("the Gateway API CRDs of the local cluster", () => {
  it.each([["tlsroutes"], ["httproutes"], ["gateways"]])(
    "serve %s.gateway.networking.k8s.io v1 from the pinned standard-channel bundle, Established",
    async (resource) => {
      const crd = await transport.send<{
        metadata: { annotations: Record<string, string> };
        spec: { versions: Array<{ name: string; served: boolean; storage: boolean }> };
        status: { conditions: Array<{ type: string; status: string }> };
      }>(
        "GET",
        `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${resource}.gateway.networking.k8s.io`,
      );
      expect(crd.metadata.annotations).toMatchObject({
        "gateway.networking.k8s.io/bundle-version": gatewayApiVersion(),
        "gateway.networking.k8s.io/channel": "standard",
      });
      expect(crd.spec.versions.find((version) => version.name === "v1")).toMatchObject({
        served: true,
        storage: true,
      });
      expect(crd.status.conditions).toContainEqual(
        expect.objectContaining({ type: "Established", status: "True" }),
      );
    },
  );

  it("refuses a TLSRoute whose hostname is an IP address (a CEL rule: isIP needs Kubernetes 1.31 or later)", async () => {
    const [route] = stackRoutes(newStackId(), "00000000-0000-0000-0000-000000000000");
    if (!route) throw new Error("no route");
    route.spec.hostnames = ["10.0.0.1"];
    const error = await refusalOf(() =>
      transport.send("POST", gatewayRoutesPath("TLSRoute", namespace), { body: route }),
    );
    expect(error.status).toBe(422);
    expect(error.message).toContain("Hostnames cannot contain an IP");
  });

  it("refuses a TLSRoute hostname with two wildcard labels", async () => {
    const [route] = stackRoutes(newStackId(), "00000000-0000-0000-0000-000000000000");
    if (!route) throw new Error("no route");
    route.spec.hostnames = [`*.*.${localGateway.domain}`];
    const error = await refusalOf(() =>
      transport.send("POST", gatewayRoutesPath("TLSRoute", namespace), { body: route }),
    );
    expect(error.status).toBe(422);
    expect(error.message).toContain("spec.hostnames[0]");
  });

  it("accepts a TLS listener in Terminate mode, and refuses one without a certificate (a CEL rule)", async () => {
    const gateway = (name: string, tls: Record<string, unknown>) => ({
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name },
      spec: {
        gatewayClassName: localGateway.className,
        listeners: [{ name: "tls", port: 443, protocol: "TLS", hostname: `*.${localGateway.domain}`, tls }],
      },
    });
    const path = `/apis/gateway.networking.k8s.io/v1/namespaces/${namespace}/gateways`;
    const certificateRefs = [{ kind: "Secret", name: localGateway.certificateSecret }];
    await transport.send("POST", path, {
      body: gateway("terminate", { mode: "Terminate", certificateRefs }),
    });
    const error = await refusalOf(() =>
      transport.send("POST", path, { body: gateway("no-certificate", { mode: "Terminate" }) }),
    );
    expect(error.message).toContain("certificateRefs or options must be specified when mode is Terminate");
  });
});

describe("gateway routes of a stack", () => {
  it("are created once: a second create finds them as wanted, and a label selector lists both", async () => {
    const stackId = newStackId();
    const routes = stackRoutes(stackId, await createService(`svc-${stackId}`, [1337, 80]));
    expect(await createGatewayRoutes(transport, routes)).toEqual(["created", "created"]);
    expect(await createGatewayRoutes(transport, routes)).toEqual(["unchanged", "unchanged"]);
    const listed = await listGatewayRoutes(transport, namespace, `stackd.io/stack-id=${stackId}`);
    expect(listed.map((route) => `${route.kind}/${route.metadata.name}`).sort()).toEqual([
      `HTTPRoute/svc-${stackId}-80`,
      `TLSRoute/svc-${stackId}-1337`,
    ]);
  });

  it("are deleted by the garbage collector when their owner Service is deleted", async () => {
    const stackId = newStackId();
    const routes = stackRoutes(stackId, await createService(`svc-${stackId}`, [1337, 80]));
    await createGatewayRoutes(transport, routes);
    await kube.core.deleteNamespacedService({ name: `svc-${stackId}`, namespace });
    for (const route of routes)
      await eventually(`${route.kind} ${route.metadata.name} to be collected`, () =>
        gone(() =>
          transport.send("GET", `${gatewayRoutesPath(route.kind, namespace)}/${route.metadata.name}`),
        ),
      );
  });

  it("take over a route left by an earlier Service of the same name, so the garbage collector keeps it", async () => {
    const stackId = newStackId();
    // The earlier Service is gone (its uid names nothing), as after a Service was deleted and made again.
    await createGatewayRoutes(transport, stackRoutes(stackId, crypto.randomUUID()));
    const uid = await createService(`svc-${stackId}`, [1337, 80]);
    const outcomes = await createGatewayRoutes(transport, stackRoutes(stackId, uid));
    // The collector may have deleted a stale route first, which is then simply created again.
    for (const outcome of outcomes) expect(["updated", "created"]).toContain(outcome);
    for (const route of stackRoutes(stackId, uid)) {
      const stored = await readGatewayRoute(transport, route);
      expect(stored?.metadata.ownerReferences?.map((owner) => owner.uid)).toEqual([uid]);
    }
  });

  it("are deleted by deleteGatewayRoutes, and deleting them again is done too", async () => {
    const stackId = newStackId();
    const routes = stackRoutes(stackId, await createService(`svc-${stackId}`, [1337, 80]));
    await createGatewayRoutes(transport, routes);
    await deleteGatewayRoutes(transport, routes);
    await deleteGatewayRoutes(transport, routes);
    expect(await listGatewayRoutes(transport, namespace, `stackd.io/stack-id=${stackId}`)).toEqual([]);
  });

  it("read as accepted or refused from a status the test writes itself (no Gateway controller runs here)", async () => {
    const stackId = newStackId();
    const [route] = stackRoutes(stackId, await createService(`svc-${stackId}`, [1337, 80]));
    if (!route) throw new Error("no route");
    await createGatewayRoutes(transport, [route]);
    const read = async () => (await readGatewayRoute(transport, route)) as GatewayRoute;
    expect(routeAccepted(await read(), localGateway)).toBe("unknown");

    const writeStatus = async (status: "True" | "False") => {
      const current = await read();
      const parents = [
        {
          parentRef: route.spec.parentRefs[0],
          controllerName: "stackd.test/fake-controller",
          conditions: [
            {
              type: "Accepted",
              status,
              reason: status === "True" ? "Accepted" : "NotAllowedByListeners",
              message: "written by the test",
              observedGeneration: current.metadata.generation,
              lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
            },
          ],
        },
      ];
      await transport.send(
        "PATCH",
        `${gatewayRoutesPath("TLSRoute", namespace)}/${route.metadata.name}/status`,
        {
          body: { status: { parents } },
          contentType: "application/merge-patch+json",
        },
      );
    };
    await writeStatus("True");
    expect(routeAccepted(await read(), localGateway)).toBe("accepted");
    await writeStatus("False");
    expect(routeAccepted(await read(), localGateway)).toBe("refused");
  });
});

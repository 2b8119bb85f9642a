import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkGatewayReady } from "../../../src/exposure/gateway/gateway-readiness.ts";
import { type GatewayRoute, gatewayRoutesOf } from "../../../src/exposure/gateway/gateway-routes.ts";
import {
  createGatewayRoutes,
  deleteGatewayRoutes,
  gatewayRoutesPath,
  listGatewayRoutes,
} from "../../../src/exposure/gateway/route-client.ts";
import { createTypedKubeClient } from "../../../src/kube/typed-api.ts";
import { localGateway } from "../../../tools/cluster/gateway-fixture.ts";
import { eventually, testKubeClient } from "../../helpers/cluster.ts";
import {
  applyObjects,
  deleteCopy,
  envValueOf,
  type ManifestObject,
  renameDeploy,
  renderDeploy,
} from "../../helpers/deploy.ts";
import {
  grantsOf,
  grantUsedBy,
  recordCalls,
  writeServiceAccountKubeconfig,
} from "../../helpers/rbac-audit.ts";

// deploy/'s grants for STACK_EXPOSURE=gateway, used as stackd's ServiceAccount (a renamed copy of deploy/'s
// RBAC, a token from the TokenRequest API): the start check, and each route write and read, audited.
// Until stackd runs the gateway mode itself, the watch of routes is made here as a raw request.

const admin = testKubeClient();
const suffix = `gw-${crypto.randomUUID().slice(0, 8)}`;
const work = mkdtempSync(join(tmpdir(), "stackd-gw-rbac-"));
const rbacKinds = new Set([
  "Namespace",
  "ServiceAccount",
  "Role",
  "RoleBinding",
  "ClusterRole",
  "ClusterRoleBinding",
]);
let installed: ManifestObject[] = [];
let stacksNamespace = "";
let kubeconfigPath = "";

const gatewayResources = new Set(["tlsroutes", "httproutes", "gateways", "customresourcedefinitions"]);

beforeAll(async () => {
  const rendered = renameDeploy(await renderDeploy(), suffix);
  const deployment = rendered.find((object) => object.kind === "Deployment") as ManifestObject;
  stacksNamespace = envValueOf(deployment, "STACK_NAMESPACE") ?? "";
  installed = rendered.filter((object) => rbacKinds.has(object.kind));
  await applyObjects(installed);
  const account = (installed.find((object) => object.kind === "ServiceAccount") as ManifestObject).metadata;
  kubeconfigPath = join(work, "kubeconfig");
  await writeServiceAccountKubeconfig(
    admin,
    { namespace: account.namespace ?? "", name: account.name },
    kubeconfigPath,
  );
  const probe = createTypedKubeClient({ kubeconfigPath });
  await eventually("the Role and the ClusterRole to be in force", async () => {
    await probe.transport.send("GET", gatewayRoutesPath("TLSRoute", stacksNamespace), {
      query: { limit: 1 },
    });
    await probe.transport.send(
      "GET",
      `/apis/gateway.networking.k8s.io/v1/namespaces/${localGateway.namespace}/gateways/${localGateway.name}`,
    );
    return true;
  });
});

afterAll(async () => {
  await deleteCopy(installed);
  rmSync(work, { recursive: true, force: true });
});

describe("deploy/'s RBAC for STACK_EXPOSURE=gateway", () => {
  it("lets stackd pass the start check and write, read, watch and delete routes, and every gateway grant is used", async () => {
    const kube = createTypedKubeClient({ kubeconfigPath });
    const calls = recordCalls(kube.transport);
    const stackId = `stack-${suffix}`;
    const service = await admin.core.createNamespacedService({
      namespace: stacksNamespace,
      body: {
        metadata: { name: `svc-${stackId}` },
        spec: {
          ports: [
            { name: "p", port: 1337 },
            { name: "w", port: 80 },
          ],
        },
      },
    });
    const routesOwnedBy = (uid: string): GatewayRoute[] =>
      gatewayRoutesOf(
        {
          stackId,
          namespace: stacksNamespace,
          serviceName: `svc-${stackId}`,
          serviceUid: uid,
          instance: "stackd",
          routes: [
            { hostname: `${suffix}-nc.${localGateway.domain}`, containerPort: 1337, kind: "tls" },
            { hostname: `${suffix}-web.${localGateway.domain}`, containerPort: 80, kind: "https" },
          ],
        },
        localGateway,
      );

    await checkGatewayReady(
      kube.transport,
      localGateway,
      [localGateway.tlsSection, localGateway.httpsSection],
      {
        routeNamespace: stacksNamespace,
      },
    );
    // Owned by a uid that names no Service, as after the Service was made again: the next create takes them over.
    await createGatewayRoutes(kube.transport, routesOwnedBy(crypto.randomUUID()));
    const routes = routesOwnedBy(service.metadata?.uid ?? "");
    await createGatewayRoutes(kube.transport, routes);
    expect(
      await listGatewayRoutes(kube.transport, stacksNamespace, `stackd.io/stack-id=${stackId}`),
    ).toHaveLength(2);
    for (const kind of ["TLSRoute", "HTTPRoute"] as const) {
      const watch = await kube.transport.request("GET", gatewayRoutesPath(kind, stacksNamespace), {
        query: { watch: true, timeoutSeconds: 1, labelSelector: `stackd.io/stack-id=${stackId}` },
        stream: true,
      });
      await watch.text();
    }
    await deleteGatewayRoutes(kube.transport, routes);

    expect(calls.filter((call) => call.status === 403)).toEqual([]);
    const granted = new Set(grantsOf(installed));
    const used = new Set(calls.map((call) => grantUsedBy(call, granted)));
    const gatewayGrants = [...granted].filter((grant) => gatewayResources.has(grant.split(" ")[1] ?? ""));
    expect(gatewayGrants.length).toBeGreaterThan(0);
    // The take-over reads and patches a stale route, unless the garbage collector deleted it first.
    const raced = [`get tlsroutes in ${stacksNamespace}`, `get httproutes in ${stacksNamespace}`].concat([
      `patch tlsroutes in ${stacksNamespace}`,
      `patch httproutes in ${stacksNamespace}`,
    ]);
    expect(gatewayGrants.filter((grant) => !used.has(grant) && !raced.includes(grant))).toEqual([]);
  }, 60_000);
});

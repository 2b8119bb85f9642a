import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { checkGatewayReady, GatewayNotReadyError } from "../../../src/exposure/gateway/gateway-readiness.ts";
import type { GatewayRef } from "../../../src/exposure/gateway/gateway-routes.ts";
import type { KubeTransport } from "../../../src/kube/transport.ts";
import { localGateway } from "../../../tools/cluster/gateway-fixture.ts";
import {
  createTestNamespace,
  deleteTestNamespace,
  serviceAccountClient,
  testKubeClient,
} from "../../helpers/cluster.ts";

// The start check of STACK_EXPOSURE=gateway against the local cluster's Gateway stackd-gateway/edge
// (made by `cluster up`) and Gateways of the test's own namespace.

const kube = testKubeClient();
let namespace = "";

beforeAll(async () => {
  namespace = await createTestNamespace(kube, "gateway-ready");
});

afterAll(() => deleteTestNamespace(kube, namespace));

const sections = [localGateway.tlsSection, localGateway.httpsSection];

async function refusal(
  gateway: GatewayRef,
  wanted: readonly string[] = sections,
  options: { routeNamespace?: string } = {},
  transport: KubeTransport = kube.transport,
): Promise<GatewayNotReadyError> {
  const error = await checkGatewayReady(transport, gateway, wanted, options).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  if (!(error instanceof GatewayNotReadyError)) throw new Error(`expected a refusal, got ${error}`);
  return error;
}

/** A Gateway in the test namespace with one listener per [name, protocol], admitting routes from its own namespace only. */
async function gatewayWith(name: string, listeners: Array<[string, "TLS" | "HTTPS"]>): Promise<GatewayRef> {
  await kube.transport.send("POST", `/apis/gateway.networking.k8s.io/v1/namespaces/${namespace}/gateways`, {
    body: {
      apiVersion: "gateway.networking.k8s.io/v1",
      kind: "Gateway",
      metadata: { name },
      spec: {
        gatewayClassName: localGateway.className,
        listeners: listeners.map(([section, protocol]) => ({
          name: section,
          port: 443,
          protocol,
          hostname: `${section}.${localGateway.domain}`,
          tls: { mode: "Terminate", certificateRefs: [{ kind: "Secret", name: "unused" }] },
        })),
      },
    },
  });
  return { namespace, name, tlsSection: "tls", httpsSection: "https" };
}

describe("checkGatewayReady (STACK_EXPOSURE=gateway)", () => {
  it("passes for the local cluster's Gateway, whose listeners admit routes from every namespace", async () => {
    await checkGatewayReady(kube.transport, localGateway, sections, { routeNamespace: namespace });
  });

  it("names a Gateway that does not exist", async () => {
    const error = await refusal({ ...localGateway, name: "missing-edge" });
    expect(error.code).toBe("GATEWAY_MISSING");
    expect(error.missing).toEqual([`${localGateway.namespace}/missing-edge`]);
    expect(error.message).toBe(
      `STACK_EXPOSURE is gateway but Gateway ${localGateway.namespace}/missing-edge does not exist, so stackd will not start`,
    );
  });

  it("names a listener section the Gateway lacks, and the ones it has", async () => {
    const error = await refusal(localGateway, [localGateway.tlsSection, "quic"]);
    expect(error.code).toBe("GATEWAY_LISTENER_MISSING");
    expect(error.missing).toEqual(["quic"]);
    expect(error.message).toContain(
      `Gateway ${localGateway.namespace}/${localGateway.name} has no listener named "quic" (it has: tls, https)`,
    );
  });

  it("names a section whose listener has the wrong protocol", async () => {
    const gateway = await gatewayWith("swapped", [
      ["tls", "HTTPS"],
      ["https", "HTTPS"],
    ]);
    const error = await refusal(gateway);
    expect(error.code).toBe("GATEWAY_LISTENER_MISMATCH");
    expect(error.missing).toEqual(["tls"]);
    expect(error.message).toContain(`listener "tls" has protocol HTTPS, not TLS`);
  });

  it("names a listener that admits routes from its own namespace only (the default) when stacks live elsewhere", async () => {
    const gateway = await gatewayWith("same-only", [
      ["tls", "TLS"],
      ["https", "HTTPS"],
    ]);
    await checkGatewayReady(kube.transport, gateway, sections, { routeNamespace: namespace });
    const error = await refusal(gateway, sections, { routeNamespace: "stacks" });
    expect(error.code).toBe("GATEWAY_LISTENER_MISMATCH");
    expect(error.missing).toEqual(["tls", "https"]);
    expect(error.message).toContain("allowedRoutes.namespaces.from: Same");
  });

  it("says what it could not read when RBAC refuses, naming the CRD", async () => {
    const stranger = await serviceAccountClient(kube, namespace, "no-rights");
    const error = await refusal(localGateway, sections, {}, stranger.transport);
    expect(error.code).toBe("GATEWAY_UNREADABLE");
    expect(error.missing).toEqual(["CRD gateways.gateway.networking.k8s.io"]);
    expect(error.message).toContain("grant stackd the roles of deploy/rbac.yaml");
  });
});

import { describe, expect, it } from "bun:test";
import { checkGatewayReady, GatewayNotReadyError } from "../../../src/exposure/gateway/gateway-readiness.ts";
import type { GatewayRef } from "../../../src/exposure/gateway/gateway-routes.ts";
import { KubeApiError } from "../../../src/kube/errors.ts";
import type { KubeTransport } from "../../../src/kube/transport.ts";

// CRD states the shared local cluster cannot show (its CRDs are installed for every test): an API server
// answering from a table of objects by path, NotFound for the rest.

const gateway: GatewayRef = { namespace: "edge-ns", name: "edge", tlsSection: "tls", httpsSection: "https" };

const crd = (versions: Array<[string, boolean]>, bundle = "v1.6.3") => ({
  metadata: { annotations: { "gateway.networking.k8s.io/bundle-version": bundle } },
  spec: { versions: versions.map(([name, served]) => ({ name, served })) },
  status: { conditions: [{ type: "Established", status: "True" }] },
});

const crdPath = (resource: string) =>
  `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${resource}.gateway.networking.k8s.io`;

function apiServer(objects: Record<string, unknown>): KubeTransport {
  const send = async (_method: string, path: string) => {
    if (path in objects) return objects[path];
    throw new KubeApiError(404, "NotFound", `${path} not found`);
  };
  return { send } as unknown as KubeTransport;
}

async function refusal(transport: KubeTransport, sections = ["tls", "https"]): Promise<GatewayNotReadyError> {
  const error = await checkGatewayReady(transport, gateway, sections).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  if (!(error instanceof GatewayNotReadyError)) throw new Error(`expected a refusal, got ${error}`);
  return error;
}

describe("checkGatewayReady's CRD check", () => {
  it("names every missing CRD that the sections need, before looking for the Gateway", async () => {
    const error = await refusal(apiServer({ [crdPath("gateways")]: crd([["v1", true]]) }));
    expect(error.code).toBe("GATEWAY_API_MISSING");
    expect(error.missing).toEqual([
      "tlsroutes.gateway.networking.k8s.io",
      "httproutes.gateway.networking.k8s.io",
    ]);
    expect(error.message).toStartWith(
      "STACK_EXPOSURE is gateway but the Gateway API CRD(s) tlsroutes.gateway.networking.k8s.io (not installed), " +
        "httproutes.gateway.networking.k8s.io (not installed) are missing",
    );
  });

  it("asks for the TLSRoute CRD only when the TLS section is used", async () => {
    const error = await refusal(apiServer({ [crdPath("gateways")]: crd([["v1", true]]) }), ["https"]);
    expect(error.missing).toEqual(["httproutes.gateway.networking.k8s.io"]);
  });

  it("names a TLSRoute CRD of an older bundle that does not serve v1", async () => {
    const error = await refusal(
      apiServer({
        [crdPath("gateways")]: crd([["v1", true]]),
        [crdPath("httproutes")]: crd([["v1", true]]),
        [crdPath("tlsroutes")]: crd([["v1alpha2", true]], "v1.4.1"),
      }),
    );
    expect(error.missing).toEqual(["tlsroutes.gateway.networking.k8s.io"]);
    expect(error.message).toContain("does not serve v1; installed Gateway API bundle v1.4.1");
  });

  it("rethrows a network failure as it is, not as a refusal", async () => {
    const down = { send: async () => Promise.reject(new KubeApiError(0, "NetworkError", "refused")) };
    const error = await checkGatewayReady(down as unknown as KubeTransport, gateway, ["tls"]).catch((e) => e);
    expect(error).toBeInstanceOf(KubeApiError);
  });
});

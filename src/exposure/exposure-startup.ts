import type { KubeTransport } from "../kube/transport.ts";
import { checkEdgeReady } from "./edge/edge-ready.ts";
import type { ExposureConfig } from "./exposure-config.ts";
import { checkGatewayReady } from "./gateway/gateway-readiness.ts";

/**
 * STACK_EXPOSURE's start check: `gateway` refuses to start without the Gateway API CRDs, the named
 * Gateway or its listeners; `edge` without an answer from every HAProxy runtime API. Each failure names
 * what is missing. The other modes need nothing outside the stacks' namespace.
 */
export async function checkExposureReady(
  exposure: ExposureConfig,
  transport: KubeTransport,
  stackNamespace: string,
): Promise<void> {
  if (exposure.gateway) {
    const { tlsSection, httpsSection } = exposure.gateway;
    await checkGatewayReady(transport, exposure.gateway, [tlsSection, httpsSection], {
      routeNamespace: stackNamespace,
    });
  }
  if (exposure.edge) await Promise.all(exposure.edge.runtimeApi.map((address) => checkEdgeReady(address)));
}

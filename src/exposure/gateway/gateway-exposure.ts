import type { StackIdentity } from "../../../machines/stack.types.ts";
import type { KubeTransport } from "../../kube/transport.ts";
import { portHostnames } from "../stack-exposure.ts";
import { type GatewayRef, type GatewayRoute, gatewayRoutesOf } from "./gateway-routes.ts";
import { createGatewayRoutes, deleteGatewayRoutes } from "./route-client.ts";

/** The routes of a gateway stack: one per exposed port, TLSRoute or HTTPRoute, owned by its Service. */
export function stackRoutesOf(
  identity: StackIdentity,
  service: { uid: string },
  gateway: GatewayRef,
  instance: string,
): GatewayRoute[] {
  const { exposure } = identity;
  if (exposure?.mode !== "gateway" || !exposure.hostname) return [];
  const hostnames = portHostnames(
    exposure.hostname,
    identity.ports.map((port) => port.containerPort),
  );
  return gatewayRoutesOf(
    {
      stackId: identity.stackId,
      namespace: identity.namespace,
      serviceName: identity.serviceName,
      serviceUid: service.uid,
      instance,
      routes: identity.ports.map((port, index) => ({
        hostname: hostnames[index] as string,
        containerPort: port.containerPort,
        kind: port.appProtocol === "http" ? "https" : "tls",
      })),
    },
    gateway,
  );
}

/** STACK_EXPOSURE=gateway's part of a stack's effects: its routes made after its Service, deleted with it. */
export function gatewayEffects(transport: KubeTransport, gateway: GatewayRef, instance: string) {
  return {
    async createRoutes(identity: StackIdentity, service: { uid: string }): Promise<void> {
      await createGatewayRoutes(transport, stackRoutesOf(identity, service, gateway, instance));
    },
    async deleteRoutes(identity: StackIdentity): Promise<void> {
      // Only the kind and name matter to a delete.
      await deleteGatewayRoutes(transport, stackRoutesOf(identity, { uid: "" }, gateway, instance));
    },
  };
}

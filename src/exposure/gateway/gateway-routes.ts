import { labelsFor } from "../../cluster/stack-resources.ts";

/** The Gateway API group; every route, parentRef and CRD of STACK_EXPOSURE=gateway is in it. */
export const gatewayApiGroup = "gateway.networking.k8s.io";

/** The route kinds stackd makes: a TLSRoute for `tls` ports (SNI, TLS ended at the Gateway), an HTTPRoute for `https`. */
export type GatewayRouteKind = "TLSRoute" | "HTTPRoute";

/** The operator's Gateway and its two listener sections (Gateway `namespace/name`). */
export interface GatewayRef {
  namespace: string;
  name: string;
  /** The listener (protocol TLS, mode Terminate) that TLSRoutes attach to. */
  tlsSection: string;
  /** The listener (protocol HTTPS) that HTTPRoutes attach to. */
  httpsSection: string;
}

/** One exposed container port, reached as `hostname` through the Gateway. */
export interface ExposedPort {
  hostname: string;
  containerPort: number;
  kind: "tls" | "https";
}

/** What the routes of one stack are made from: its Service (the routes' owner and backend) and ports. */
export interface GatewayStack {
  stackId: string;
  namespace: string;
  serviceName: string;
  serviceUid: string;
  /** The stackd instance (STACKD_INSTANCE) that owns the objects. */
  instance: string;
  routes: ExposedPort[];
}

export interface GatewayParentRef {
  group: typeof gatewayApiGroup;
  kind: "Gateway";
  namespace: string;
  name: string;
  sectionName: string;
}

export interface RouteCondition {
  type: string;
  status: "True" | "False" | "Unknown";
  reason?: string;
  message?: string;
  observedGeneration?: number;
}

/** One entry of a route's `status.parents`: what one controller says of the route on one parent. */
export interface RouteParentStatus {
  parentRef: Partial<GatewayParentRef> & { name: string };
  controllerName: string;
  conditions?: RouteCondition[];
}

/** A TLSRoute or HTTPRoute (gateway.networking.k8s.io/v1) as stackd writes and reads it. */
export interface GatewayRoute {
  apiVersion: `${typeof gatewayApiGroup}/v1`;
  kind: GatewayRouteKind;
  metadata: {
    name: string;
    namespace: string;
    labels?: Record<string, string>;
    ownerReferences?: Array<{
      apiVersion: string;
      kind: string;
      name: string;
      uid: string;
      controller?: boolean;
      blockOwnerDeletion?: boolean;
    }>;
    generation?: number;
    resourceVersion?: string;
    uid?: string;
  };
  spec: {
    parentRefs: GatewayParentRef[];
    hostnames: string[];
    rules: Array<{ backendRefs: Array<{ group: ""; kind: "Service"; name: string; port: number }> }>;
  };
  status?: { parents?: RouteParentStatus[] };
}

/**
 * The name of the route of one exposed port: `<serviceName>-<containerPort>`. With stackd's ids
 * (`svc-stack-<16 hex>`) that is at most 32 characters, well inside an object name's 253.
 */
export function gatewayRouteName(serviceName: string, containerPort: number): string {
  return `${serviceName}-${containerPort}`;
}

const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why a route of the stack cannot be written, or null: checked here so the refusal names the port. */
function problemOf(stack: GatewayStack, port: ExposedPort, seen: Set<number>): string | null {
  const name = gatewayRouteName(stack.serviceName, port.containerPort);
  if (!Number.isInteger(port.containerPort) || port.containerPort < 1 || port.containerPort > 65535)
    return `container port ${port.containerPort} is not between 1 and 65535`;
  if (seen.has(port.containerPort)) return `container port ${port.containerPort} is listed twice`;
  if (name.length > 253 || !dnsSubdomain.test(name)) return `route name "${name}" is not a valid object name`;
  if (port.hostname.length > 253 || !dnsSubdomain.test(port.hostname))
    return `hostname "${port.hostname}" of port ${port.containerPort} is not a lowercase RFC 1123 hostname`;
  return null;
}

/** The route kind and Gateway listener section of an exposed port's kind. */
export function routeKindOf(kind: ExposedPort["kind"], gateway: GatewayRef) {
  return kind === "tls"
    ? { kind: "TLSRoute" as const, sectionName: gateway.tlsSection }
    : { kind: "HTTPRoute" as const, sectionName: gateway.httpsSection };
}

/**
 * The routes of a stack, one per exposed port, in the stack's namespace: hostname → the stack's
 * Service on the container port, attached to the Gateway's listener section for the port's kind,
 * labelled like the Service and owned by it (so the garbage collector deletes them with it).
 */
export function gatewayRoutesOf(stack: GatewayStack, gateway: GatewayRef): GatewayRoute[] {
  const seen = new Set<number>();
  return stack.routes.map((port) => {
    const problem = problemOf(stack, port, seen);
    if (problem) throw new Error(`cannot route stack ${stack.stackId}: ${problem}`);
    seen.add(port.containerPort);
    const { kind, sectionName } = routeKindOf(port.kind, gateway);
    return {
      apiVersion: `${gatewayApiGroup}/v1`,
      kind,
      metadata: {
        name: gatewayRouteName(stack.serviceName, port.containerPort),
        namespace: stack.namespace,
        labels: labelsFor(stack.stackId, stack.instance),
        ownerReferences: [
          {
            apiVersion: "v1",
            kind: "Service",
            name: stack.serviceName,
            uid: stack.serviceUid,
            controller: true,
            blockOwnerDeletion: false,
          },
        ],
      },
      spec: {
        parentRefs: [
          {
            group: gatewayApiGroup,
            kind: "Gateway",
            namespace: gateway.namespace,
            name: gateway.name,
            sectionName,
          },
        ],
        hostnames: [port.hostname],
        rules: [
          {
            backendRefs: [{ group: "", kind: "Service", name: stack.serviceName, port: port.containerPort }],
          },
        ],
      },
    };
  });
}

import {
  type GatewayRef,
  type GatewayRoute,
  gatewayApiGroup,
  type RouteCondition,
  type RouteParentStatus,
} from "./gateway-routes.ts";

export type RouteAcceptance = "accepted" | "refused" | "unknown";

/** The listener section a route of this kind attaches to. */
const sectionFor = (route: GatewayRoute, gateway: GatewayRef) =>
  route.kind === "TLSRoute" ? gateway.tlsSection : gateway.httpsSection;

/** True when a status entry speaks of our Gateway (defaults as the API applies them: group, kind, the route's namespace). */
function isOurParent(entry: RouteParentStatus, route: GatewayRoute, gateway: GatewayRef): boolean {
  const ref = entry.parentRef;
  return (
    (ref.group ?? gatewayApiGroup) === gatewayApiGroup &&
    (ref.kind ?? "Gateway") === "Gateway" &&
    (ref.namespace ?? route.metadata.namespace) === gateway.namespace &&
    ref.name === gateway.name &&
    (ref.sectionName === undefined || ref.sectionName === sectionFor(route, gateway))
  );
}

/**
 * The `Accepted` conditions the Gateway's controller(s) reported for this route on our Gateway, leaving
 * out any written for an older generation of the route.
 */
export function acceptedConditionsOf(route: GatewayRoute, gateway: GatewayRef): RouteCondition[] {
  const generation = route.metadata.generation;
  return (route.status?.parents ?? [])
    .filter((entry) => isOurParent(entry, route, gateway))
    .flatMap((entry) => entry.conditions ?? [])
    .filter((condition) => condition.type === "Accepted")
    .filter(
      (condition) =>
        generation === undefined ||
        condition.observedGeneration === undefined ||
        condition.observedGeneration >= generation,
    );
}

/**
 * Whether the Gateway took the route: "refused" when a controller says Accepted=False for our Gateway,
 * "accepted" when one says True, else "unknown" (no controller has spoken, as on a cluster without one).
 */
export function routeAccepted(route: GatewayRoute, gateway: GatewayRef): RouteAcceptance {
  const conditions = acceptedConditionsOf(route, gateway);
  if (conditions.some((condition) => condition.status === "False")) return "refused";
  if (conditions.some((condition) => condition.status === "True")) return "accepted";
  return "unknown";
}

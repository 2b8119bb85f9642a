import { isAlreadyExists, isConflict, isNotFound, KubeApiError, toKubeApiError } from "../../kube/errors.ts";
import type { KubeTransport } from "../../kube/transport.ts";
import { type GatewayRoute, type GatewayRouteKind, gatewayApiGroup } from "./gateway-routes.ts";

const resourceOf: Record<GatewayRouteKind, string> = { TLSRoute: "tlsroutes", HTTPRoute: "httproutes" };

/** The collection URL of one route kind in a namespace (also what a watch of that kind asks for). */
export const gatewayRoutesPath = (kind: GatewayRouteKind, namespace: string) =>
  `/apis/${gatewayApiGroup}/v1/namespaces/${encodeURIComponent(namespace)}/${resourceOf[kind]}`;

type RouteKey = { kind: GatewayRouteKind; metadata: { name: string; namespace: string } };

const routePath = (route: RouteKey) =>
  `${gatewayRoutesPath(route.kind, route.metadata.namespace)}/${encodeURIComponent(route.metadata.name)}`;

/** What creating a route did: made it, found it as wanted, or found it stale (another owner or spec) and patched it. */
export type RouteWriteOutcome = "created" | "unchanged" | "updated";

/** True when every field of `desired` is in `current` (the API server adds defaults, such as a backendRef's weight). */
function contains(current: unknown, desired: unknown): boolean {
  if (Array.isArray(desired))
    return (
      Array.isArray(current) &&
      current.length === desired.length &&
      desired.every((item, index) => contains(current[index], item))
    );
  if (desired !== null && typeof desired === "object") {
    if (current === null || typeof current !== "object") return false;
    const actual = current as Record<string, unknown>;
    return Object.entries(desired).every(([key, value]) => contains(actual[key], value));
  }
  return current === desired;
}

/** True when the route on the cluster is the one wanted: same owner, labels and spec. */
export function routeMatches(desired: GatewayRoute, current: GatewayRoute): boolean {
  return (
    contains(current.metadata.ownerReferences, desired.metadata.ownerReferences) &&
    contains(current.metadata.labels ?? {}, desired.metadata.labels ?? {}) &&
    contains(current.spec, desired.spec)
  );
}

/** Reads one route; undefined when it does not exist. */
export async function readGatewayRoute(
  transport: KubeTransport,
  route: RouteKey,
): Promise<GatewayRoute | undefined> {
  try {
    return { ...(await transport.send<GatewayRoute>("GET", routePath(route))), kind: route.kind };
  } catch (error) {
    const failure = toKubeApiError(error);
    if (isNotFound(failure)) return undefined;
    throw failure;
  }
}

/** Creates the route; false when one of that name exists already. */
async function createRoute(transport: KubeTransport, route: GatewayRoute): Promise<boolean> {
  try {
    await transport.send("POST", gatewayRoutesPath(route.kind, route.metadata.namespace), { body: route });
    return true;
  } catch (error) {
    const failure = toKubeApiError(error);
    if (isAlreadyExists(failure)) return false;
    throw failure;
  }
}

/** Merge-patches `current` to the wanted owner, labels and spec; false when it was deleted or changed since read. */
async function patchRoute(
  transport: KubeTransport,
  route: GatewayRoute,
  current: GatewayRoute,
): Promise<boolean> {
  const { labels, ownerReferences } = route.metadata;
  try {
    await transport.send("PATCH", routePath(route), {
      body: {
        metadata: { labels, ownerReferences, resourceVersion: current.metadata.resourceVersion },
        spec: route.spec,
      },
      contentType: "application/merge-patch+json",
    });
    return true;
  } catch (error) {
    const failure = toKubeApiError(error);
    if (isNotFound(failure) || isConflict(failure)) return false;
    throw failure;
  }
}

/**
 * Puts one route in place. AlreadyExists is done when the existing route is the one wanted; a route
 * left by an earlier Service of the same name (another owner uid, which the garbage collector is
 * about to delete) is merge-patched to the wanted owner and spec, guarded by its resourceVersion.
 * A route deleted or changed meanwhile costs another round, three at most.
 */
async function ensureRoute(
  transport: KubeTransport,
  route: GatewayRoute,
  tries = 3,
): Promise<RouteWriteOutcome> {
  if (await createRoute(transport, route)) return "created";
  const current = await readGatewayRoute(transport, route);
  if (current && routeMatches(route, current)) return "unchanged";
  if (current && (await patchRoute(transport, route, current))) return "updated";
  if (tries <= 1)
    throw new KubeApiError(
      409,
      "Conflict",
      `${route.kind} ${route.metadata.name} kept changing while it was written`,
    );
  return ensureRoute(transport, route, tries - 1);
}

/** Creates each route (in order); an existing route counts as done, brought up to date when stale. */
export async function createGatewayRoutes(
  transport: KubeTransport,
  routes: GatewayRoute[],
): Promise<RouteWriteOutcome[]> {
  const outcomes: RouteWriteOutcome[] = [];
  for (const route of routes) outcomes.push(await ensureRoute(transport, route));
  return outcomes;
}

/** Deletes each route; NotFound counts as done. */
export async function deleteGatewayRoutes(transport: KubeTransport, routes: RouteKey[]): Promise<void> {
  for (const route of routes) {
    try {
      await transport.send("DELETE", routePath(route));
    } catch (error) {
      const failure = toKubeApiError(error);
      if (!isNotFound(failure)) throw failure;
    }
  }
}

/** The TLSRoutes and HTTPRoutes of a namespace that match a label selector (each with its `kind` set). */
export async function listGatewayRoutes(
  transport: KubeTransport,
  namespace: string,
  labelSelector?: string,
  kinds: GatewayRouteKind[] = ["TLSRoute", "HTTPRoute"],
): Promise<GatewayRoute[]> {
  const lists = await Promise.all(
    kinds.map(async (kind) => {
      const list = await transport.send<{ items: GatewayRoute[] }>(
        "GET",
        gatewayRoutesPath(kind, namespace),
        {
          query: { labelSelector },
        },
      );
      return list.items.map((item) => ({ ...item, kind }));
    }),
  );
  return lists.flat();
}

import { isNotFound, type KubeApiError, toKubeApiError } from "../../kube/errors.ts";
import type { KubeTransport } from "../../kube/transport.ts";
import { type GatewayRef, gatewayApiGroup } from "./gateway-routes.ts";

export const exposureVariable = "STACK_EXPOSURE";

export type GatewayNotReadyCode =
  | "GATEWAY_API_MISSING"
  | "GATEWAY_MISSING"
  | "GATEWAY_LISTENER_MISSING"
  | "GATEWAY_LISTENER_MISMATCH"
  | "GATEWAY_UNREADABLE";

/** Start-up refused with STACK_EXPOSURE=gateway: the message names exactly what is missing and how to fix it. */
export class GatewayNotReadyError extends Error {
  override readonly name = "GatewayNotReadyError";
  readonly code: GatewayNotReadyCode;
  readonly variable = exposureVariable;
  /** What is missing or wrong: CRD names, `namespace/name` of the Gateway, or listener section names. */
  readonly missing: string[];

  constructor(code: GatewayNotReadyCode, problem: string, missing: string[], cause?: KubeApiError) {
    super(
      `${exposureVariable} is gateway but ${problem}, so stackd will not start`,
      cause === undefined ? undefined : { cause },
    );
    this.code = code;
    this.missing = missing;
  }
}

interface Crd {
  spec?: { versions?: Array<{ name: string; served?: boolean }> };
  status?: { conditions?: Array<{ type: string; status: string }> };
  metadata?: { annotations?: Record<string, string> };
}

interface Listener {
  name: string;
  protocol?: string;
  tls?: { mode?: string };
  allowedRoutes?: { namespaces?: { from?: string } };
}

const crdPath = (name: string) => `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`;

/** Reads one object; undefined on NotFound; network failures as they are; any other refusal names what it read. */
async function readOrMissing<T>(
  transport: KubeTransport,
  path: string,
  what: string,
): Promise<T | undefined> {
  try {
    return await transport.send<T>("GET", path);
  } catch (error) {
    const failure = toKubeApiError(error);
    if (isNotFound(failure)) return undefined;
    if (failure.status === 0) throw failure;
    throw new GatewayNotReadyError(
      "GATEWAY_UNREADABLE",
      `${what} cannot be read (${failure.message}); grant stackd the roles of deploy/rbac.yaml`,
      [what],
      failure,
    );
  }
}

/** Why a CRD cannot serve stackd's routes (absent, not Established, or without v1), or null. */
function crdProblem(name: string, crd: Crd | undefined): string | null {
  if (!crd) return `${name} (not installed)`;
  if (!crd.spec?.versions?.some((version) => version.name === "v1" && version.served !== false)) {
    const bundle = crd.metadata?.annotations?.[`${gatewayApiGroup}/bundle-version`] ?? "unknown";
    return `${name} (does not serve v1; installed Gateway API bundle ${bundle}, TLSRoute v1 needs v1.5 or later)`;
  }
  if (!crd.status?.conditions?.some((c) => c.type === "Established" && c.status === "True"))
    return `${name} (not Established)`;
  return null;
}

/** The CRDs a set of sections needs: Gateways always, TLSRoutes for the TLS section, HTTPRoutes for the HTTPS one. */
function neededCrds(gateway: GatewayRef, sections: readonly string[]): string[] {
  return [
    "gateways",
    ...(sections.includes(gateway.tlsSection) ? ["tlsroutes"] : []),
    ...(sections.includes(gateway.httpsSection) ? ["httproutes"] : []),
  ].map((resource) => `${resource}.${gatewayApiGroup}`);
}

async function checkCrds(transport: KubeTransport, names: string[]): Promise<void> {
  const problems: string[] = [];
  for (const name of names) {
    const problem = crdProblem(name, await readOrMissing<Crd>(transport, crdPath(name), `CRD ${name}`));
    if (problem) problems.push(problem);
  }
  if (problems.length > 0)
    throw new GatewayNotReadyError(
      "GATEWAY_API_MISSING",
      `the Gateway API CRD(s) ${problems.join(", ")} are missing; install the Gateway API standard channel (v1.5 or later)`,
      problems.map((problem) => problem.split(" ")[0] ?? problem),
    );
}

/**
 * Why a listener cannot carry the routes of its section (wrong protocol or TLS mode, or routes from the
 * stacks namespace not allowed: `allowedRoutes.namespaces.from` defaults to Same), or null.
 */
function listenerProblem(listener: Listener, gateway: GatewayRef, routeNamespace?: string): string | null {
  const expected =
    listener.name === gateway.tlsSection ? "TLS" : listener.name === gateway.httpsSection ? "HTTPS" : null;
  if (expected && listener.protocol !== expected)
    return `listener "${listener.name}" has protocol ${listener.protocol}, not ${expected}`;
  if (expected === "TLS" && (listener.tls?.mode ?? "Terminate") !== "Terminate")
    return `listener "${listener.name}" has tls.mode ${listener.tls?.mode}, not Terminate`;
  const from = listener.allowedRoutes?.namespaces?.from ?? "Same";
  if (routeNamespace !== undefined && from === "Same" && routeNamespace !== gateway.namespace)
    return `listener "${listener.name}" admits routes from its own namespace only (allowedRoutes.namespaces.from: Same), not from "${routeNamespace}"; set it to All or to a Selector that matches "${routeNamespace}"`;
  return null;
}

/**
 * Refuses start-up (throws GatewayNotReadyError) unless the Gateway API CRDs that the sections need are
 * installed and serve v1, the Gateway `namespace/name` exists, and it has a listener of the right
 * protocol for every section named, admitting routes from `options.routeNamespace` when given (a
 * Selector is not evaluated). Network failures are rethrown as they are.
 */
export async function checkGatewayReady(
  transport: KubeTransport,
  gateway: GatewayRef,
  sections: readonly string[],
  options: { routeNamespace?: string } = {},
): Promise<void> {
  await checkCrds(transport, neededCrds(gateway, sections));
  const reference = `${gateway.namespace}/${gateway.name}`;
  const found = await readOrMissing<{ spec?: { listeners?: Listener[] } }>(
    transport,
    `/apis/${gatewayApiGroup}/v1/namespaces/${encodeURIComponent(gateway.namespace)}/gateways/${encodeURIComponent(gateway.name)}`,
    `Gateway ${reference}`,
  );
  if (!found)
    throw new GatewayNotReadyError("GATEWAY_MISSING", `Gateway ${reference} does not exist`, [reference]);
  const listeners = found.spec?.listeners ?? [];
  const missing = sections.filter((section) => !listeners.some((listener) => listener.name === section));
  if (missing.length > 0) {
    const present = listeners.map((listener) => listener.name).join(", ") || "none";
    throw new GatewayNotReadyError(
      "GATEWAY_LISTENER_MISSING",
      `Gateway ${reference} has no listener named ${missing.map((name) => `"${name}"`).join(", ")} (it has: ${present})`,
      missing,
    );
  }
  const problems = listeners
    .filter((listener) => sections.includes(listener.name))
    .map((listener) => listenerProblem(listener, gateway, options.routeNamespace))
    .filter((problem): problem is string => problem !== null);
  if (problems.length > 0)
    throw new GatewayNotReadyError(
      "GATEWAY_LISTENER_MISMATCH",
      `Gateway ${reference}: ${problems.join("; ")}`,
      sections.filter((section) => problems.some((problem) => problem.includes(`"${section}"`))),
    );
}

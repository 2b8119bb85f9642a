import { isIP } from "node:net";
import type { V1EndpointSlice, V1Endpoints } from "@kubernetes/client-node";
import { isNotFound, type KubeApiError, toKubeApiError } from "../kube/errors.ts";
import type { KubeTransport } from "../kube/transport.ts";

/** The Service whose endpoints are the API server's own addresses. */
export interface ServiceRef {
  namespace: string;
  name: string;
}

export const kubernetesService: ServiceRef = { namespace: "default", name: "kubernetes" };

export interface ApiServerAddresses {
  /** IP addresses of the API server that stacks must not reach. */
  addresses: string[];
  /** What could not be read or covered, in words, for the log; empty when nothing is missing. */
  gaps: string[];
}

/** Every address of an EndpointSlice, ready or not (an address that becomes ready is still the API server). */
export function addressesOfEndpointSlice(slice: V1EndpointSlice): string[] {
  return (slice.endpoints ?? []).flatMap((endpoint) => endpoint.addresses ?? []);
}

/** Every address of an Endpoints object, ready or not. */
export function addressesOfEndpoints(endpoints: V1Endpoints): string[] {
  return (endpoints.subsets ?? []).flatMap((subset) =>
    [...(subset.addresses ?? []), ...(subset.notReadyAddresses ?? [])].map((address) => address.ip),
  );
}

/** The host of the API server URL stackd uses, when it is an IP address (brackets of IPv6 removed). */
export function serverHostAddress(server: string): string | undefined {
  const host = new URL(server).hostname.replace(/^\[(.*)\]$/, "$1");
  return isIP(host) ? host : undefined;
}

type Read = { addresses: string[] } | { failure: KubeApiError };

async function read<T>(
  transport: KubeTransport,
  path: string,
  extract: (object: T) => string[],
): Promise<Read> {
  try {
    return { addresses: extract(await transport.send<T>("GET", path)) };
  } catch (error) {
    const failure = toKubeApiError(error);
    if (isNotFound(failure) || failure.status === 403) return { failure };
    throw failure;
  }
}

/** The endpoints of `service`: its EndpointSlice of the same name, else its Endpoints; a gap when neither. */
async function endpointAddresses(transport: KubeTransport, service: ServiceRef): Promise<ApiServerAddresses> {
  const { namespace, name } = service;
  const slice = await read(
    transport,
    `/apis/discovery.k8s.io/v1/namespaces/${namespace}/endpointslices/${name}`,
    addressesOfEndpointSlice,
  );
  if ("addresses" in slice && slice.addresses.length > 0) return { addresses: slice.addresses, gaps: [] };
  const endpoints = await read(
    transport,
    `/api/v1/namespaces/${namespace}/endpoints/${name}`,
    addressesOfEndpoints,
  );
  if ("addresses" in endpoints && endpoints.addresses.length > 0)
    return { addresses: endpoints.addresses, gaps: [] };
  const why = (result: Read) => ("failure" in result ? result.failure.message : "no addresses");
  return {
    addresses: [],
    gaps: [
      `the API server's endpoints (${namespace}/${name}) are unknown: EndpointSlice: ${why(slice)}; Endpoints: ${why(endpoints)}`,
    ],
  };
}

/**
 * The API server's addresses as far as stackd can learn them: the `default/kubernetes` endpoints
 * (EndpointSlice, else Endpoints; RBAC may forbid both) and the host of the server URL stackd
 * itself uses when that is an IP. What stays unknown is reported in `gaps`.
 */
export async function readApiServerAddresses(
  transport: KubeTransport,
  service: ServiceRef = kubernetesService,
): Promise<ApiServerAddresses> {
  const fromEndpoints = await endpointAddresses(transport, service);
  const host = serverHostAddress(transport.server);
  const gaps = [...fromEndpoints.gaps];
  if (!host) gaps.push(`the API server host of ${transport.server} is a name, not an IP address`);
  const addresses = [...new Set([...fromEndpoints.addresses, ...(host ? [host] : [])])];
  return { addresses, gaps };
}

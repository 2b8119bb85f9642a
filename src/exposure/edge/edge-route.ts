import { isIP } from "node:net";

/** Where the edge sends one hostname's streams: the stack pod's address and port. */
export interface RouteTarget {
  address: string;
  port: number;
}

const label = "[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?";
const hostnamePattern = new RegExp(`^${label}(?:\\.${label})*$`);

/**
 * Whether `hostname` can be a key of the edge's map: lowercase DNS labels only (HAProxy looks up the
 * SNI lowercased), which also keeps the runtime API's separators (space, `;`, newline) out.
 */
export const isEdgeHostname = (hostname: string): boolean =>
  hostname.length <= 253 && hostnamePattern.test(hostname);

/** Whether `target` is an IP address and a TCP port, the only values the map may hold. */
export const isRouteTarget = (target: RouteTarget): boolean =>
  isIP(target.address) !== 0 && Number.isInteger(target.port) && target.port >= 1 && target.port <= 65535;

/**
 * The map value for `target`: `<address>/<port>`. The edge's configuration splits it with
 * `field(1,/)` and `field(2,/)`; `/` appears in neither IPv4 nor IPv6 addresses.
 */
export const formatRouteValue = (target: RouteTarget): string => `${target.address}/${target.port}`;

/** The target a map value names, or undefined for a value stackd did not write. */
export function parseRouteValue(value: string): RouteTarget | undefined {
  const [address, port, extra] = value.split("/");
  if (address === undefined || port === undefined || extra !== undefined || !/^\d+$/.test(port))
    return undefined;
  const target = { address, port: Number(port) };
  return isRouteTarget(target) ? target : undefined;
}

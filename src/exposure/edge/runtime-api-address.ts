/** Where one HAProxy runtime API listens: a TCP `host:port` or a `unix:/path` socket. */
export type RuntimeApiEndpoint = { kind: "tcp"; host: string; port: number } | { kind: "unix"; path: string };

/**
 * Parses `host:port`, `[v6]:port` or `unix:/absolute/path` (the forms HAProxy's `stats socket` takes,
 * without its `ipv4@` prefix); throws an Error naming the value and the allowed forms otherwise.
 */
export function parseRuntimeApiAddress(address: string): RuntimeApiEndpoint {
  if (address.startsWith("unix:")) {
    const path = address.slice("unix:".length);
    if (path.startsWith("/")) return { kind: "unix", path };
  } else {
    const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^\s:/@[\]]+)):(\d{1,5})$/.exec(address);
    const port = Number(match?.[3]);
    const host = match?.[1] ?? match?.[2];
    if (host !== undefined && port >= 1 && port <= 65535) return { kind: "tcp", host, port };
  }
  throw new Error(
    `invalid HAProxy runtime API address ${JSON.stringify(address)}: expected host:port, [ipv6]:port or unix:/path`,
  );
}

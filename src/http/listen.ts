/** stackd cannot bind its HTTP address; the message names it: `cannot listen on 127.0.0.1:8081: address already in use`. */
export class ListenError extends Error {
  override readonly name = "ListenError";
  readonly address: string;

  constructor(address: string, cause: unknown) {
    super(`cannot listen on ${address}: ${reasonOf(cause)}`, { cause });
    this.address = address;
  }
}

const reasons: Record<string, string> = {
  EADDRINUSE: "address already in use",
  EADDRNOTAVAIL: "address not available on this machine",
  EACCES: "permission denied",
};

function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const known = typeof code === "string" ? reasons[code] : undefined;
  return known ?? (error instanceof Error ? error.message : String(error));
}

/** `host:port`, with an IPv6 host in brackets: the form HTTP_ADDR takes. */
export function formatAddress(hostname: string, port: number): string {
  return hostname.includes(":") ? `[${hostname}]:${port}` : `${hostname}:${port}`;
}

/**
 * Runs `bind` (a Bun.serve with `reusePort: false`: with Elysia's default `reusePort: true`, a second
 * process binds a taken port silently and takes a share of its connections); a failure becomes a
 * ListenError naming the address.
 */
export function bindOrFail<T>(hostname: string, port: number, bind: () => T): T {
  try {
    return bind();
  } catch (error) {
    throw new ListenError(formatAddress(hostname, port), error);
  }
}

/** What stackd answers while it starts: 503, to be asked again in a second. */
export function startingResponse(): Response {
  return Response.json({ error: "stackd is starting" }, { status: 503, headers: { "retry-after": "1" } });
}

export interface HeldAddress {
  /** The bound port (the one picked, for port 0). */
  port: number;
  /** Frees the address for the real server, which binds it right after. */
  release(): void;
}

/**
 * Binds the HTTP address while stackd starts, answering 503 with Retry-After (but `/livez`), so that a
 * stackd whose address is taken stops before it opens the database or touches the cluster.
 */
export function holdAddress(hostname: string, port: number): HeldAddress {
  const server = bindOrFail(hostname, port, () =>
    Bun.serve({
      hostname,
      port,
      reusePort: false,
      // The process is alive (a liveness probe must not restart a start); everything else waits.
      fetch: (request) =>
        new URL(request.url).pathname === "/livez" ? Response.json({ status: "ok" }) : startingResponse(),
    }),
  );
  return { port: server.port ?? port, release: () => void server.stop(true) };
}

import { randomBytes } from "node:crypto";
import type { Logger } from "../log/logger.ts";

/** Marks a request a follower forwarded, so that it is never forwarded twice. */
export const forwardedHeader = "x-stackd-forwarded-by";

/**
 * The id a follower chooses for a create it forwards: when the leader dies before answering, the
 * follower still knows which stack to look for in the cluster.
 */
export const proposedStackIdHeader = "x-stackd-stack-id";

/** The form of a stack id (and so of a proposed one). */
export const stackIdPattern = /^stack-[0-9a-f]{16}$/;

/** GET paths whose answer only the leader holds (batch delete jobs live in its database). */
const leaderOnlyReads = [/^\/stacks\/batch-delete\/[^/]+$/];

/** True for a GET path that a follower must forward to the leader rather than answer itself. */
export const isLeaderOnlyRead = (path: string) => leaderOnlyReads.some((pattern) => pattern.test(path));

/** Hop-by-hop and length headers: fetch sets its own. */
const headersNotForwarded = new Set([
  "host",
  "connection",
  "content-length",
  "transfer-encoding",
  "keep-alive",
]);

export interface WriteForwardingOptions {
  /** This replica leads and has taken over (its actors run): it handles writes itself. */
  handlesWrites: () => boolean;
  /** The leader's write URL as its Lease says, or null when no replica leads (or this one does). */
  leaderUrl: () => string | null;
  /** This replica holds the Lease and is still taking over: writes wait for it, not for another. */
  takingOver?: () => boolean;
  /** This replica's identity (for the loop guard and the logs). */
  identity: string;
  /** The longest a forwarded write may take before the follower answers 503. */
  timeoutMs: number;
  /**
   * Waits (bounded) until this replica's own read model shows what the leader answered, so that the
   * client's next read here sees its write: the created stack, or the deleted one going.
   */
  caughtUp: (method: string, path: string, status: number, body: string) => Promise<void>;
  /**
   * After the leader went away during a forwarded create: the stack's API JSON when the cluster shows
   * it was committed (its Service exists), else undefined. Bounded wait.
   */
  committedStack: (stackId: string) => Promise<string | undefined>;
  logger: Logger;
  /** Where forwarded requests go; tests pass another fetch. */
  fetch?: typeof fetch;
}

const retryable = (message: string) =>
  new Response(JSON.stringify({ error: message }), {
    status: 503,
    headers: { "content-type": "application/json", "retry-after": "1" },
  });

/**
 * Every replica serves every route: reads from its own watch-fed state, writes by the leader. On a
 * replica that does not lead, a write (`POST`, `DELETE`, ...), or a read of what only the leader holds
 * (`isLeaderOnlyRead`), is sent as it came to the leader named in the Lease, and the leader's answer is returned unchanged, so the client cannot tell. While no
 * replica leads (a takeover in progress) or the leader cannot be reached, the answer is a 503 with
 * `Retry-After`, which clients may retry.
 */
export function createWriteForwarder(options: WriteForwardingOptions) {
  const send = options.fetch ?? fetch;
  const log = options.logger.child({ component: "forwarding" });
  /**
   * The leader's answer; or, when none came, whether the leader may have got the request: not when
   * the connection was refused (the leader's process is gone), maybe after a reset or a timeout.
   */
  async function relay(
    leader: string,
    request: Request,
    headers: Headers,
  ): Promise<{ answer: Response; text: string } | { unanswered: "never delivered" | "maybe delivered" }> {
    const url = new URL(request.url);
    const body =
      request.method === "DELETE" || request.method === "GET" ? undefined : await request.arrayBuffer();
    try {
      const answer = await send(`${leader}${url.pathname}${url.search}`, {
        method: request.method,
        headers,
        ...(body ? { body } : {}),
        signal: AbortSignal.any([request.signal, AbortSignal.timeout(options.timeoutMs)]),
      });
      return { answer, text: await answer.text() };
    } catch (error) {
      log.warn("cannot forward a write to the leader", {
        leader,
        method: request.method,
        error: error instanceof Error ? error.message : String(error),
      });
      const refused = (error as { code?: unknown } | null)?.code === "ECONNREFUSED";
      return { unanswered: refused ? "never delivered" : "maybe delivered" };
    }
  }

  const handledHere = (request: Request) =>
    options.handlesWrites() ||
    request.method === "HEAD" ||
    (request.method === "GET" && !isLeaderOnlyRead(new URL(request.url).pathname.replace(/\/$/, "")));

  /** Where a request goes: handled here (undefined), refused (a Response), or the leader's URL. */
  function route(request: Request): undefined | Response | string {
    if (handledHere(request)) return undefined;
    // The sender believed this replica leads; it does not (any more): no second hop.
    if (request.headers.has(forwardedHeader)) return retryable("leader changing, retry");
    if (options.takingOver?.()) return retryable("this replica is taking over as leader, retry");
    return options.leaderUrl() ?? retryable("no leader elected yet, retry");
  }

  return async function forwardWrite(request: Request): Promise<Response | undefined> {
    const leader = route(request);
    if (typeof leader !== "string") return leader;
    const { pathname } = new URL(request.url);
    const headers = forwardedHeaders(request, options.identity);
    const proposedId = isCreate(request.method, pathname)
      ? `stack-${randomBytes(8).toString("hex")}`
      : undefined;
    if (proposedId) headers.set(proposedStackIdHeader, proposedId);
    const relayed = await relay(leader, request, headers);
    if ("unanswered" in relayed) {
      // The leader may have committed the create (its Service exists) just before it went away; a
      // refused connection delivered nothing, so there is nothing to look for (and 3 s not to wait).
      const mayExist = proposedId !== undefined && relayed.unanswered === "maybe delivered";
      const committed = mayExist ? await options.committedStack(proposedId) : undefined;
      return committed
        ? new Response(committed, { status: 201, headers: { "content-type": "application/json" } })
        : retryable("leader unreachable, retry");
    }
    await options.caughtUp(request.method, pathname, relayed.answer.status, relayed.text);
    return new Response(relayed.text, {
      status: relayed.answer.status,
      headers: relayedHeaders(relayed.answer),
    });
  };
}

const isCreate = (method: string, pathname: string) =>
  method === "POST" && pathname.replace(/\/$/, "") === "/stacks";

/** The request's own headers (the key among them) less hop-by-hop ones, marked as forwarded. */
function forwardedHeaders(request: Request, identity: string): Headers {
  const headers = new Headers();
  request.headers.forEach((value, name) => {
    if (!headersNotForwarded.has(name.toLowerCase())) headers.set(name, value);
  });
  headers.set(forwardedHeader, identity);
  return headers;
}

/** What of the leader's answer the client sees: its body, status, content type and Retry-After. */
function relayedHeaders(answer: Response): Headers {
  const relayed = new Headers();
  for (const name of ["content-type", "retry-after"]) {
    const value = answer.headers.get(name);
    if (value) relayed.set(name, value);
  }
  return relayed;
}

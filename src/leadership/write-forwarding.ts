import { randomBytes } from "node:crypto";
import { currentRequestId, requestIdHeader } from "../http/request-id.ts";
import type { Logger } from "../log/logger.ts";
import { type ForwardingSignatures, forwardedHeader, forwardingHeaders } from "./forwarding-signature.ts";

/** Hop-by-hop and length headers (fetch sets its own), and forwarding headers (signed afresh). */
const headersNotForwarded = new Set([
  "host",
  "connection",
  "content-length",
  "transfer-encoding",
  "keep-alive",
  ...forwardingHeaders,
]);

/** This replica's view of who leads: changes when another term begins (not when the leader renews). */
export interface LeaderTerm {
  current: () => string;
  onChange: (listener: () => void) => () => void;
}

export interface WriteForwardingOptions {
  /** This replica leads and has taken over (its actors run): it handles writes itself. */
  handlesWrites: () => boolean;
  /** The leader's write URL as its Lease says, or null when no replica leads (or this one does). */
  leaderUrl: () => string | null;
  /** This replica holds the Lease and is still taking over: writes wait for it, not for another. */
  takingOver?: () => boolean;
  /** A forwarded write gives up as soon as the term it was sent in ends. */
  leaderTerm: LeaderTerm;
  /** Signs what this replica forwards, so that the leader honours its headers. */
  signatures: Pick<ForwardingSignatures, "sign">;
  /** This replica's identity (for the loop guard and the logs). */
  identity: string;
  /** The longest a client waits for a forwarded request, every step included (lease duration + 3 s). */
  timeoutMs: number;
  /**
   * Waits (at most `withinMs`) until this replica's own read model shows what the leader answered, so
   * that the client's next read here sees its write: the created stack, or the deleted one going.
   */
  caughtUp: (method: string, path: string, status: number, body: string, withinMs: number) => Promise<void>;
  /**
   * After the leader went away during a forwarded create: the stack's API JSON when the cluster shows
   * it was committed (its Service exists) within `withinMs`, else undefined.
   */
  committedStack: (stackId: string, withinMs: number) => Promise<string | undefined>;
  logger: Logger;
  /** Where forwarded requests go; tests pass another fetch. */
  fetch?: typeof fetch;
}

const retryable = (message: string) =>
  new Response(JSON.stringify({ error: message }), {
    status: 503,
    headers: { "content-type": "application/json", "retry-after": "1" },
  });

/** How long a forward this replica stopped waiting for may still run before its connection is closed. */
const abandonedForwardMs = 120_000;

/** How long a follower looks for a create the leader may have committed before the connection broke. */
const commitLookupMs = 3_000;

type Relayed =
  | { answer: Response; text: string }
  /** No answer came; whether the leader may have got the request (not when the connection was refused). */
  | { unanswered: "never delivered" | "maybe delivered"; termEnded: boolean };

/**
 * A follower's side of a route declared `servedBy: "leader"`: the request goes as it came to the
 * leader named in the Lease, signed, and the leader's answer is returned unchanged, so the client
 * cannot tell. While no replica leads, this one is taking over, or the leader cannot be reached, the
 * answer is a 503 with `Retry-After`. A forward gives up as soon as this replica sees another term
 * begin (then serves the request itself if it now leads, else 503), and never takes longer than
 * `timeoutMs` in all.
 */
export function createWriteForwarder(options: WriteForwardingOptions) {
  const send = options.fetch ?? fetch;
  const log = options.logger.child({ component: "forwarding" });

  async function relay(
    leader: string,
    request: Request,
    forwarded: { headers: Headers; body: Uint8Array<ArrayBuffer> | undefined; term: string },
    deadline: number,
  ): Promise<Relayed> {
    const url = new URL(request.url);
    const termEnded = new AbortController();
    const endIfOver = () => {
      if (options.leaderTerm.current() !== forwarded.term)
        termEnded.abort(new Error("the leader's term ended"));
    };
    const unsubscribe = options.leaderTerm.onChange(endIfOver);
    endIfOver();
    // Giving up (a new term, the deadline) only stops the wait: the leader's request is left to finish.
    // Cutting it would look to the leader like a client that went away, and it rolls such a create back,
    // even one it committed that this replica then answers from its view. Only the client's own
    // disconnect is passed on.
    const givenUp = AbortSignal.any([
      termEnded.signal,
      AbortSignal.timeout(Math.max(0, deadline - performance.now())),
    ]);
    const stopWaiting = new Promise<never>((_, reject) => {
      const stop = () => reject(givenUp.reason);
      if (givenUp.aborted) stop();
      else givenUp.addEventListener("abort", stop, { once: true });
    });
    const sent = send(`${leader}${url.pathname}${url.search}`, {
      method: request.method,
      headers: forwarded.headers,
      ...(forwarded.body ? { body: forwarded.body } : {}),
      // A leader frozen for this long has lost its Lease long ago (and exits when it resumes).
      signal: AbortSignal.any([request.signal, AbortSignal.timeout(abandonedForwardMs)]),
    }).then(async (answer) => ({ answer, text: await answer.text() }));
    try {
      return await Promise.race([sent, stopWaiting]);
    } catch (error) {
      // A leader's late answer, or its failure, after this replica stopped waiting goes nowhere.
      sent.catch(() => undefined);
      log.warn("cannot forward a write to the leader", {
        leader,
        method: request.method,
        error: error instanceof Error ? error.message : String(error),
      });
      const refused = (error as { code?: unknown } | null)?.code === "ECONNREFUSED";
      return {
        unanswered: refused ? "never delivered" : "maybe delivered",
        termEnded: termEnded.signal.aborted,
      };
    } finally {
      unsubscribe();
    }
  }

  /** Where a request goes: handled here (undefined), refused (a Response), or the leader's URL. */
  function route(request: Request): undefined | Response | string {
    if (options.handlesWrites()) return undefined;
    // The sender believed this replica leads; it does not (any more): no second hop.
    if (request.headers.has(forwardedHeader)) return retryable("leader changing, retry");
    if (options.takingOver?.()) return retryable("this replica is taking over as leader, retry");
    return options.leaderUrl() ?? retryable("no leader elected yet, retry");
  }

  /** The answer when the leader gave none: the committed stack, this replica's own, or a 503. */
  async function unanswered(
    relayed: Extract<Relayed, { unanswered: unknown }>,
    proposedId: string | undefined,
    deadline: number,
  ): Promise<Response | undefined> {
    // The leader may have committed the create (its Service exists) before it went away. After a term
    // change the old leader was fenced a while ago, so what it committed is in this replica's view now.
    const lookupMs = relayed.termEnded ? 0 : Math.min(commitLookupMs, deadline - performance.now());
    const mayExist = proposedId !== undefined && relayed.unanswered === "maybe delivered";
    const committed = mayExist ? await options.committedStack(proposedId, Math.max(0, lookupMs)) : undefined;
    if (committed)
      return new Response(committed, { status: 201, headers: { "content-type": "application/json" } });
    if (relayed.termEnded && options.handlesWrites()) return undefined;
    return retryable(relayed.termEnded ? "leader changed, retry" : "leader unreachable, retry");
  }

  return async function forwardWrite(request: Request): Promise<Response | undefined> {
    const deadline = performance.now() + options.timeoutMs;
    const leader = route(request);
    if (typeof leader !== "string") return leader;
    const term = options.leaderTerm.current();
    const { pathname, search } = new URL(request.url);
    const proposedId = isCreate(request.method, pathname)
      ? `stack-${randomBytes(8).toString("hex")}`
      : undefined;
    // Read from a clone: the request itself stays readable, should this replica serve it after all.
    const body = hasNoBody(request.method) ? undefined : new Uint8Array(await request.clone().arrayBuffer());
    const signed = options.signatures.sign(
      { method: request.method, pathAndQuery: `${pathname}${search}`, body: body ?? new Uint8Array() },
      options.identity,
      proposedId,
    );
    if (!signed) return retryable("this replica has not read the leader's Lease yet, retry");
    const headers = forwardedHeaders(request);
    // The id this replica answers with (the client's, or the one made for it), so the leader logs it too.
    // Not signed: any client may set it anyway.
    const requestId = currentRequestId();
    if (requestId) headers.set(requestIdHeader, requestId);
    signed.forEach((value, name) => {
      headers.set(name, value);
    });
    const relayed = await relay(leader, request, { headers, body, term }, deadline);
    if ("unanswered" in relayed) return unanswered(relayed, proposedId, deadline);
    const catchUpMs = Math.max(0, deadline - performance.now());
    await options.caughtUp(request.method, pathname, relayed.answer.status, relayed.text, catchUpMs);
    return new Response(relayed.text, {
      status: relayed.answer.status,
      headers: relayedHeaders(relayed.answer),
    });
  };
}

const hasNoBody = (method: string) => method === "GET" || method === "DELETE" || method === "HEAD";

const isCreate = (method: string, pathname: string) =>
  method === "POST" && pathname.replace(/\/$/, "") === "/stacks";

/** The request's own headers (the key among them) less hop-by-hop and forwarding ones. */
function forwardedHeaders(request: Request): Headers {
  const headers = new Headers();
  request.headers.forEach((value, name) => {
    if (!headersNotForwarded.has(name.toLowerCase())) headers.set(name, value);
  });
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

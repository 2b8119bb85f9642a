import { describe, expect, it } from "bun:test";
import {
  ForwardingSignatures,
  forwardedHeader,
  proposedStackIdHeader,
  signatureHeader,
  stackIdPattern,
} from "../../../src/leadership/forwarding-signature.ts";
import { createWriteForwarder } from "../../../src/leadership/write-forwarding.ts";
import { withLogFields } from "../../../src/log/log-context.ts";
import { silentLogger } from "../../../src/log/logger.ts";

interface Sent {
  url: string;
  method: string;
  headers: Headers;
  body: Uint8Array;
  signal: AbortSignal;
}

const leaseUid = "0b4a2f6e-3c1d-4e8f-9a7b-5d6c1e2f3a4b";

/** A fetch that never answers: it only ends when its signal aborts, as a frozen leader's socket would. */
const frozen = (sent: Sent) =>
  new Promise<Response>((_, reject) => {
    sent.signal.addEventListener("abort", () => reject(sent.signal.reason), { once: true });
  });

function forwarder(
  options: {
    leads?: () => boolean;
    takingOver?: boolean;
    leaderUrl?: string | null;
    answer?: (sent: Sent) => Response | Promise<Response>;
    committed?: string;
    timeoutMs?: number;
    secret?: string | null;
  } = {},
) {
  const sent: Sent[] = [];
  const caughtUp: string[] = [];
  const lookups: Array<{ stackId: string; withinMs: number }> = [];
  let term = "replica-0#1";
  const termListeners = new Set<() => void>();
  const signatures = new ForwardingSignatures({
    secret: () => (options.secret === undefined ? leaseUid : options.secret),
    instance: "default",
  });
  const forward = createWriteForwarder({
    handlesWrites: options.leads ?? (() => false),
    takingOver: () => options.takingOver ?? false,
    leaderUrl: () => (options.leaderUrl === undefined ? "http://leader:8081" : options.leaderUrl),
    leaderTerm: {
      current: () => term,
      onChange: (listener) => {
        termListeners.add(listener);
        return () => termListeners.delete(listener);
      },
    },
    signatures,
    identity: "replica-1",
    timeoutMs: options.timeoutMs ?? 5_000,
    caughtUp: async (method, path, status) => {
      caughtUp.push(`${method} ${path} ${status}`);
    },
    committedStack: async (stackId, withinMs) => {
      lookups.push({ stackId, withinMs });
      return options.committed;
    },
    logger: silentLogger,
    fetch: (async (url: string, init: RequestInit) => {
      const entry: Sent = {
        url,
        method: String(init.method),
        headers: new Headers(init.headers),
        body: init.body ? new Uint8Array(init.body as Uint8Array) : new Uint8Array(),
        signal: init.signal as AbortSignal,
      };
      sent.push(entry);
      return options.answer ? options.answer(entry) : new Response("{}", { status: 200 });
    }) as unknown as typeof fetch,
  });
  /** This replica's Lease view shows another term (a takeover, by this replica or another). */
  const newTerm = (next: string) => {
    term = next;
    for (const listener of termListeners) listener();
  };
  /** Resolves once the forwarder has sent its request to the leader. */
  const sending = async () => {
    while (sent.length === 0) await new Promise((resolve) => setTimeout(resolve, 0));
    return sent[0] as Sent;
  };
  return { forward, sent, caughtUp, lookups, newTerm, sending, signatures };
}

const post = (headers: Record<string, string> = {}) =>
  new Request("http://replica-1/stacks?x=1", {
    method: "POST",
    headers: { "x-api-key": "k", "content-type": "application/json", ...headers },
    body: '{"target_port":80}',
  });

/** What the leader's app checks: the signature over what it received. */
function verifiedAtLeader(sent: Sent) {
  const leader = new ForwardingSignatures({ secret: () => leaseUid, instance: "default" });
  const url = new URL(sent.url);
  return leader.verify({
    method: sent.method,
    pathAndQuery: `${url.pathname}${url.search}`,
    headers: sent.headers,
    body: sent.body,
  });
}

describe("createWriteForwarder", () => {
  it("leaves every request to the replica that leads", async () => {
    expect(await forwarder({ leads: () => true }).forward(post())).toBeUndefined();
  });

  it("sends a write to the leader as it came, with the key, signed, and relays the answer unchanged", async () => {
    const { forward, sent, caughtUp } = forwarder({
      answer: () =>
        new Response('{"stack_id":"stack-0123456789abcdef"}', {
          status: 201,
          headers: { "content-type": "application/json", "x-internal": "no" },
        }),
    });
    const answer = await forward(post());
    expect(answer?.status).toBe(201);
    expect(await answer?.text()).toBe('{"stack_id":"stack-0123456789abcdef"}');
    expect(answer?.headers.get("content-type")).toBe("application/json");
    expect(answer?.headers.has("x-internal")).toBe(false);
    const [request] = sent;
    expect(request?.url).toBe("http://leader:8081/stacks?x=1");
    expect(new TextDecoder().decode(request?.body)).toBe('{"target_port":80}');
    expect(request?.headers.get("x-api-key")).toBe("k");
    expect(request?.headers.get(forwardedHeader)).toBe("replica-1");
    expect(request?.headers.get(proposedStackIdHeader)).toMatch(stackIdPattern);
    expect(verifiedAtLeader(request as Sent)).toEqual({
      verdict: "forwarded",
      by: { replica: "replica-1", proposedStackId: request?.headers.get(proposedStackIdHeader) ?? "" },
    });
    expect(caughtUp).toEqual(["POST /stacks 201"]);
  });

  it("signs a DELETE without a body and without a proposed id", async () => {
    const { forward, sent } = forwarder();
    await forward(new Request("http://replica-1/stacks/stack-1", { method: "DELETE" }));
    expect(sent[0]?.method).toBe("DELETE");
    expect(sent[0]?.body).toEqual(new Uint8Array());
    expect(sent[0]?.headers.has(proposedStackIdHeader)).toBe(false);
    expect(verifiedAtLeader(sent[0] as Sent).verdict).toBe("forwarded");
  });

  it("answers 503 with Retry-After while no replica leads", async () => {
    const answer = await forwarder({ leaderUrl: null }).forward(post());
    expect(answer?.status).toBe(503);
    expect(answer?.headers.get("retry-after")).toBe("1");
    expect(await answer?.json()).toEqual({ error: "no leader elected yet, retry" });
  });

  it("answers 503 with Retry-After, sending nothing, before this replica has read the Lease's uid", async () => {
    const { forward, sent } = forwarder({ secret: null });
    const answer = await forward(post());
    expect(answer?.status).toBe(503);
    expect(answer?.headers.get("retry-after")).toBe("1");
    expect(sent).toEqual([]);
  });

  it("answers 503 with Retry-After, saying so, while this replica takes over", async () => {
    const { forward, sent } = forwarder({ takingOver: true, leaderUrl: null });
    const answer = await forward(post());
    expect(answer?.status).toBe(503);
    expect(answer?.headers.get("retry-after")).toBe("1");
    expect(await answer?.json()).toEqual({ error: "this replica is taking over as leader, retry" });
    expect(sent).toEqual([]);
  });

  it("never forwards a forwarded request a second time", async () => {
    const { forward, sent } = forwarder();
    const answer = await forward(post({ [forwardedHeader]: "replica-2", [signatureHeader]: "0".repeat(64) }));
    expect(answer?.status).toBe(503);
    expect(sent).toHaveLength(0);
  });

  it("answers the committed stack when the leader died after creating it, else 503", async () => {
    const dying = () => Promise.reject(new TypeError("ECONNRESET"));
    const committed = forwarder({ answer: dying, committed: '{"stack_id":"stack-0123456789abcdef"}' });
    const found = await committed.forward(post());
    expect(found?.status).toBe(201);
    expect(await found?.json()).toEqual({ stack_id: "stack-0123456789abcdef" });
    const lost = await forwarder({ answer: dying }).forward(post());
    expect(lost?.status).toBe(503);
    expect(lost?.headers.get("retry-after")).toBe("1");
  });

  it("answers 503 at once, looking for nothing, when the leader refused the connection", async () => {
    const refused = () =>
      Promise.reject(
        Object.assign(new TypeError("ECONNREFUSED: Unable to connect"), { code: "ECONNREFUSED" }),
      );
    // Were the commit looked for, this stack would be found and answered 201.
    const { forward } = forwarder({ answer: refused, committed: '{"stack_id":"stack-0123456789abcdef"}' });
    const answer = await forward(post());
    expect(answer?.status).toBe(503);
    expect(await answer?.json()).toEqual({ error: "leader unreachable, retry" });
  });
});

describe("a write forwarded to a leader that stops answering (frozen)", () => {
  it("gives up as soon as this replica's Lease view shows another term, answering 503 Retry-After: 1", async () => {
    const { forward, sending, newTerm, lookups } = forwarder({ answer: frozen, timeoutMs: 60_000 });
    const answering = forward(post());
    const sent = await sending();
    newTerm("replica-2#2");
    const answer = await answering;
    // Only the wait stops: the leader's request is left to finish. Cut, it would look to the leader like a
    // client that went away, and the leader rolls such a create back even once committed (the Lease-deleted
    // chaos test lost an acknowledged stack that way: this replica answered 201 from its view).
    expect(sent.signal.aborted).toBe(false);
    expect(answer?.status).toBe(503);
    expect(answer?.headers.get("retry-after")).toBe("1");
    expect(await answer?.json()).toEqual({ error: "leader changed, retry" });
    // The old leader was fenced before the term changed: what it committed is in the view already.
    expect(lookups).toEqual([{ stackId: sent.headers.get(proposedStackIdHeader) ?? "", withinMs: 0 }]);
  });

  it("passes the client's own disconnect on to the leader", async () => {
    const { forward, sending } = forwarder({ answer: frozen, timeoutMs: 60_000 });
    const client = new AbortController();
    const answering = forward(new Request(post(), { signal: client.signal }));
    const sent = await sending();
    client.abort(new Error("the client went away"));
    await answering;
    expect(sent.signal.aborted).toBe(true);
  });

  it("serves the request itself when the new term is its own and it has taken over", async () => {
    let leads = false;
    const { forward, sending, newTerm } = forwarder({
      answer: frozen,
      leads: () => leads,
      timeoutMs: 60_000,
    });
    const request = post();
    const answering = forward(request);
    await sending();
    leads = true;
    newTerm("replica-1#2");
    expect(await answering).toBeUndefined();
    // The route reads the body after all.
    expect(await request.text()).toBe('{"target_port":80}');
  });

  it("answers the stack the old leader committed before it froze", async () => {
    const { forward, sending, newTerm } = forwarder({
      answer: frozen,
      committed: '{"stack_id":"stack-0123456789abcdef"}',
      timeoutMs: 60_000,
    });
    const answering = forward(post());
    await sending();
    newTerm("replica-1#2");
    expect((await answering)?.status).toBe(201);
  });

  it("ignores renewals of the same term (the view's token does not change)", async () => {
    let release: (response: Response) => void = () => {};
    const { forward, sending, newTerm } = forwarder({
      answer: () => new Promise<Response>((resolve) => (release = resolve)),
    });
    const answering = forward(post());
    const sent = await sending();
    newTerm("replica-0#1");
    expect(sent.signal.aborted).toBe(false);
    release(new Response('{"stack_id":"stack-0123456789abcdef"}', { status: 201 }));
    expect((await answering)?.status).toBe(201);
  });

  it("answers 503 within its timeout, the commit lookup included, when the term never changes", async () => {
    const { forward, lookups } = forwarder({ answer: frozen, timeoutMs: 300 });
    const started = performance.now();
    const answer = await forward(post());
    expect(answer?.status).toBe(503);
    expect(answer?.headers.get("retry-after")).toBe("1");
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(lookups[0]?.withinMs).toBeLessThanOrEqual(300);
  });
});

describe("a forwarded write's request id", () => {
  it("goes to the leader as the id this replica answers with", async () => {
    const { forward, sent } = forwarder();
    await withLogFields({ requestId: "made-here" }, () => forward(post({ "x-request-id": "bad id" })));
    expect(sent[0]?.headers.get("x-request-id")).toBe("made-here");
    expect(verifiedAtLeader(sent[0] as Sent).verdict).toBe("forwarded");
  });
});

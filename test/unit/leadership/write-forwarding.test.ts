import { describe, expect, it } from "bun:test";
import {
  createWriteForwarder,
  forwardedHeader,
  isLeaderOnlyRead,
  proposedStackIdHeader,
  stackIdPattern,
} from "../../../src/leadership/write-forwarding.ts";
import { silentLogger } from "../../../src/log/logger.ts";

interface Sent {
  url: string;
  method: string;
  headers: Headers;
  body: string;
}

function forwarder(
  options: {
    leads?: boolean;
    takingOver?: boolean;
    leaderUrl?: string | null;
    answer?: (sent: Sent) => Response | Promise<Response>;
    committed?: string;
  } = {},
) {
  const sent: Sent[] = [];
  const caughtUp: string[] = [];
  const forward = createWriteForwarder({
    handlesWrites: () => options.leads ?? false,
    takingOver: () => options.takingOver ?? false,
    leaderUrl: () => (options.leaderUrl === undefined ? "http://leader:8081" : options.leaderUrl),
    identity: "replica-1",
    timeoutMs: 1_000,
    caughtUp: async (method, path, status) => {
      caughtUp.push(`${method} ${path} ${status}`);
    },
    committedStack: async () => options.committed,
    logger: silentLogger,
    fetch: (async (url: string, init: RequestInit) => {
      const entry: Sent = {
        url,
        method: String(init.method),
        headers: new Headers(init.headers),
        body: init.body ? new TextDecoder().decode(init.body as ArrayBuffer) : "",
      };
      sent.push(entry);
      return options.answer ? options.answer(entry) : new Response("{}", { status: 200 });
    }) as unknown as typeof fetch,
  });
  return { forward, sent, caughtUp };
}

const post = (headers: Record<string, string> = {}) =>
  new Request("http://replica-1/stacks?x=1", {
    method: "POST",
    headers: { "x-api-key": "k", "content-type": "application/json", ...headers },
    body: '{"target_port":80}',
  });

describe("createWriteForwarder", () => {
  it("leaves reads, and every request on the replica that leads, to this replica", async () => {
    expect(await forwarder().forward(new Request("http://replica-1/stacks"))).toBeUndefined();
    expect(await forwarder({ leads: true }).forward(post())).toBeUndefined();
  });

  it("sends a write to the leader as it came, with the key, and relays the answer unchanged", async () => {
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
    expect(sent[0]?.url).toBe("http://leader:8081/stacks?x=1");
    expect(sent[0]?.body).toBe('{"target_port":80}');
    expect(sent[0]?.headers.get("x-api-key")).toBe("k");
    expect(sent[0]?.headers.get(forwardedHeader)).toBe("replica-1");
    expect(sent[0]?.headers.get(proposedStackIdHeader)).toMatch(stackIdPattern);
    expect(caughtUp).toEqual(["POST /stacks 201"]);
  });

  it("answers 503 with Retry-After while no replica leads", async () => {
    const answer = await forwarder({ leaderUrl: null }).forward(post());
    expect(answer?.status).toBe(503);
    expect(answer?.headers.get("retry-after")).toBe("1");
    expect(await answer?.json()).toEqual({ error: "no leader elected yet, retry" });
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
    const answer = await forward(post({ [forwardedHeader]: "replica-2" }));
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

  it("forwards a read of a batch delete job, which only the leader holds, and no other read", async () => {
    const { forward, sent } = forwarder({ answer: () => new Response('{"job_id":"job-1"}') });
    const answer = await forward(new Request("http://replica-1/stacks/batch-delete/job-1?api_key=k"));
    expect(answer?.status).toBe(200);
    expect(sent[0]?.method).toBe("GET");
    expect(sent[0]?.url).toBe("http://leader:8081/stacks/batch-delete/job-1?api_key=k");
    expect(await forward(new Request("http://replica-1/stacks/stack-1"))).toBeUndefined();
    expect(await forward(new Request("http://replica-1/stacks/stack-1/status"))).toBeUndefined();
    expect(sent).toHaveLength(1);
    expect(isLeaderOnlyRead("/stacks/batch-delete/job-1")).toBe(true);
    expect(isLeaderOnlyRead("/stacks/batch-delete")).toBe(false);
  });

  it("forwards a DELETE without a body", async () => {
    const { forward, sent } = forwarder();
    await forward(new Request("http://replica-1/stacks/stack-1", { method: "DELETE" }));
    expect(sent[0]?.method).toBe("DELETE");
    expect(sent[0]?.body).toBe("");
    expect(sent[0]?.headers.has(proposedStackIdHeader)).toBe(false);
  });
});

import { afterEach, describe, expect, it } from "bun:test";
import type { Server } from "bun";
import { bindOrFail, formatAddress, holdAddress, ListenError } from "../../../src/http/listen.ts";

const servers: Array<Server<unknown>> = [];

/** A server on a free port of 127.0.0.1 that answers `text`, bound as stackd binds (no reusePort). */
function serve(text: string, port = 0): Server<unknown> {
  const server = bindOrFail("127.0.0.1", port, () =>
    Bun.serve({ hostname: "127.0.0.1", port, reusePort: false, fetch: () => new Response(text) }),
  );
  servers.push(server);
  return server;
}

afterEach(() => {
  for (const server of servers.splice(0)) server.stop(true);
});

describe("formatAddress", () => {
  it("writes host:port, with an IPv6 host in brackets", () => {
    expect(formatAddress("127.0.0.1", 8081)).toBe("127.0.0.1:8081");
    expect(formatAddress("0.0.0.0", 8081)).toBe("0.0.0.0:8081");
    expect(formatAddress("::1", 8081)).toBe("[::1]:8081");
  });
});

describe("ListenError", () => {
  it("names the address and the reason of a known error code, and keeps the cause", () => {
    const cause = Object.assign(new Error("Failed to start server. Is port 8081 in use?"), {
      code: "EADDRINUSE",
    });
    const error = new ListenError("127.0.0.1:8081", cause);
    expect(error.message).toBe("cannot listen on 127.0.0.1:8081: address already in use");
    expect(error.address).toBe("127.0.0.1:8081");
    expect(error.cause).toBe(cause);
  });

  it("keeps the message of an error it has no words for", () => {
    const error = new ListenError("[::1]:80", new Error("EINVAL: invalid argument, listen"));
    expect(error.message).toBe("cannot listen on [::1]:80: EINVAL: invalid argument, listen");
  });
});

describe("bindOrFail", () => {
  it("refuses a port another server holds, naming the address, and leaves that server serving", async () => {
    const first = serve("first");
    const port = first.port ?? 0;
    expect(() => serve("second", port)).toThrow(`cannot listen on 127.0.0.1:${port}: address already in use`);
    for (let request = 0; request < 10; request += 1)
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("first");
  });
});

describe("holdAddress", () => {
  it("answers 503 with Retry-After while stackd starts (200 to /livez), and frees the address on release", async () => {
    const held = holdAddress("127.0.0.1", 0);
    const answer = await fetch(`http://127.0.0.1:${held.port}/stacks`);
    expect(answer.status).toBe(503);
    expect(answer.headers.get("retry-after")).toBe("1");
    expect(await answer.json()).toEqual({ error: "stackd is starting" });
    const alive = await fetch(`http://127.0.0.1:${held.port}/livez`);
    expect(alive.status).toBe(200);
    expect(await alive.json()).toEqual({ status: "ok" });
    held.release();
    serve("real", held.port);
    expect(await (await fetch(`http://127.0.0.1:${held.port}/`)).text()).toBe("real");
  });

  it("makes a second start-up on the held address fail", () => {
    const held = holdAddress("127.0.0.1", 0);
    try {
      expect(() => holdAddress("127.0.0.1", held.port)).toThrow(
        `cannot listen on 127.0.0.1:${held.port}: address already in use`,
      );
    } finally {
      held.release();
    }
  });
});

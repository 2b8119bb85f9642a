import { afterAll, describe, expect, it } from "bun:test";
import { KubeTransport } from "../../../src/kube/transport.ts";

/** A local HTTP endpoint that throttles the first `throttled` requests the way APF does (429 + Retry-After). */
function throttlingServer(throttled: number) {
  let seen = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch() {
      seen += 1;
      if (seen <= throttled) {
        return new Response(
          JSON.stringify({ kind: "Status", code: 429, reason: "TooManyRequests", message: "slow down" }),
          {
            status: 429,
            headers: { "retry-after": "0" },
          },
        );
      }
      return Response.json({ kind: "Pod" });
    },
  });
  const transport = new KubeTransport({
    server: `http://127.0.0.1:${server.port}`,
    tls: { rejectUnauthorized: true },
    credentials: { headers: async () => ({}) },
  });
  return { server, transport, seen: () => seen };
}

const servers: Array<{ stop(force?: boolean): unknown }> = [];
afterAll(() => {
  for (const server of servers) server.stop(true);
});

describe("KubeTransport.send under the API server's flow control", () => {
  it("sends a request throttled with 429 again after Retry-After, and answers its result", async () => {
    const { server, transport, seen } = throttlingServer(2);
    servers.push(server);
    expect(await transport.send("GET", "/api/v1/namespaces/x/pods/y")).toEqual({ kind: "Pod" });
    expect(seen()).toBe(3);
  });

  it("gives up with the 429 after three retries", async () => {
    const { server, transport, seen } = throttlingServer(10);
    servers.push(server);
    const error = await transport
      .send("GET", "/api/v1/namespaces/x/pods/y")
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: 429, reason: "TooManyRequests" });
    expect(seen()).toBe(4);
  });
});

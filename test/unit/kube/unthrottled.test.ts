import { afterAll, describe, expect, it } from "bun:test";
import { RateLimiter } from "../../../src/kube/rate-limiter.ts";
import { KubeTransport } from "../../../src/kube/transport.ts";

const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => Response.json({ kind: "Lease" }) });
afterAll(() => server.stop(true));

/** A transport whose limiter allows one request, then one every 2 s: anything throttled waits. */
const transport = new KubeTransport(
  {
    server: `http://127.0.0.1:${server.port}`,
    tls: { rejectUnauthorized: true },
    credentials: { headers: async () => ({}) },
  },
  new RateLimiter(0.5, 1),
);

describe("KubeTransport's unthrottled requests", () => {
  it("lets a Lease request pass while ordinary requests queue at the rate limiter", async () => {
    await transport.send("GET", "/api/v1/namespaces/x/pods/first");
    let queuedDone = false;
    const queued = transport.send("GET", "/api/v1/namespaces/x/pods/second").then(() => {
      queuedDone = true;
    });
    const lease = await transport.send("GET", "/apis/coordination.k8s.io/v1/namespaces/x/leases/l", {
      unthrottled: true,
    });
    expect(lease).toEqual({ kind: "Lease" });
    expect(queuedDone).toBe(false);
    await queued;
  });
});

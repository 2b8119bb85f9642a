import { describe, expect, it } from "bun:test";
import { leaderRoutes } from "../../../src/http/served-by.ts";
import type { BatchDeleteJobs } from "../../../src/jobs/batch-deletes.ts";
import { KeyRing } from "../../../src/keys/key-ring.ts";
import {
  ForwardingSignatures,
  forwardedAtHeader,
  forwardedHeader,
  proposedStackIdHeader,
  signatureHeader,
} from "../../../src/leadership/forwarding-signature.ts";
import type { StackRecord } from "../../../src/stacks/stack-record.ts";
import type { NewStack } from "../../../src/stacks/stack-service.ts";
import type { TtlCommands } from "../../../src/stacks/ttl-extensions.ts";
import { fakeStackApp } from "../../helpers/fake-app.ts";
import { contractPodSpec } from "../../helpers/stackd.ts";

const key = "route-test-key";
const createBody = JSON.stringify({ target_port: 80, pod_spec: contractPodSpec });

/** The headers another replica adds to `body`, as a plain object. */
function signedHeaders(signatures: ForwardingSignatures, body: string): Record<string, string> {
  const signed = signatures.sign(
    { method: "POST", pathAndQuery: "/stacks", body: new TextEncoder().encode(body) },
    "replica-1",
    "stack-0123456789abcdef",
  );
  const headers: Record<string, string> = {};
  signed?.forEach((value, name) => {
    headers[name] = value;
  });
  return headers;
}

/** An app over fakes; `replica` gives it leader election's signature check, and a forwarder that records. */
function fakeApp(options: { replica?: boolean; leads?: boolean } = {}) {
  const created: NewStack[] = [];
  const forwarded: string[] = [];
  const signatures = new ForwardingSignatures({ secret: () => "lease-uid", instance: "default" });
  const app = fakeStackApp({
    commands: {
      async create(request) {
        created.push(request);
        return { stack_id: request.stackId ?? "stack-aaaaaaaaaaaaaaaa" } as StackRecord;
      },
      async delete() {},
    },
    ttl: { extend: async (stackId: string) => ({ stack_id: stackId }) as StackRecord } as TtlCommands,
    batchDeletes: { submit: () => "job-1", get: () => undefined } as unknown as BatchDeleteJobs,
    keys: new KeyRing([{ name: "default", key: key }]),
    ...(options.replica
      ? {
          forwarding: signatures,
          forwardWrite: async (request: Request) => {
            if (options.leads) return undefined;
            forwarded.push(`${request.method} ${new URL(request.url).pathname}`);
            return new Response("{}", { status: 299 });
          },
        }
      : {}),
  });
  const call = (method: string, path: string, headers: Record<string, string> = {}, body?: string) =>
    app.handle(
      new Request(`http://localhost${path}`, {
        method,
        headers: { "x-api-key": key, ...headers },
        ...(body === undefined ? {} : { body }),
      }),
    );
  return { app, call, created, forwarded, signatures };
}

describe("forwarding headers from a client", () => {
  const clientHeaders: Array<[string, Record<string, string>]> = [
    ["x-stackd-stack-id", { [proposedStackIdHeader]: "stack-0000000000000001" }],
    ["x-stackd-forwarded-by", { [forwardedHeader]: "replica-0" }],
    [
      "x-stackd-forwarded-by and x-stackd-stack-id",
      { [forwardedHeader]: "replica-0", [proposedStackIdHeader]: "stack-0000000000000001" },
    ],
    [
      "a made-up signature",
      {
        [forwardedHeader]: "replica-0",
        [forwardedAtHeader]: String(Date.now()),
        [signatureHeader]: "a".repeat(64),
      },
    ],
  ];
  for (const [what, headers] of clientHeaders) {
    it(`answers 400 to a create with the API key and ${what}, creating nothing (single stackd)`, async () => {
      const { call, created } = fakeApp();
      const answer = await call("POST", "/stacks", headers, createBody);
      expect(answer.status).toBe(400);
      expect(created).toEqual([]);
    });

    it(`answers 400 to a create with the API key and ${what}, creating and forwarding nothing (replica)`, async () => {
      for (const leads of [true, false]) {
        const { call, created, forwarded } = fakeApp({ replica: true, leads });
        const answer = await call("POST", "/stacks", headers, createBody);
        expect(answer.status).toBe(400);
        expect(created).toEqual([]);
        expect(forwarded).toEqual([]);
      }
    });
  }

  it("answers 400 to a read with a forwarding header, too", async () => {
    const { call } = fakeApp({ replica: true, leads: true });
    expect((await call("GET", "/stacks", { [proposedStackIdHeader]: "stack-0000000000000001" })).status).toBe(
      400,
    );
  });
});

describe("a create another replica forwarded and signed", () => {
  it("gets the id the forwarding replica chose", async () => {
    const { call, created, signatures } = fakeApp({ replica: true, leads: true });
    const signed = signedHeaders(signatures, createBody);
    const answer = await call("POST", "/stacks", signed, createBody);
    expect(answer.status).toBe(201);
    expect(created.map((stack) => stack.stackId)).toEqual(["stack-0123456789abcdef"]);
  });

  it("answers 400 when its body is not the one signed", async () => {
    const { call, created, signatures } = fakeApp({ replica: true, leads: true });
    const signed = signedHeaders(signatures, createBody);
    const other = JSON.stringify({ target_port: 81, pod_spec: contractPodSpec });
    expect((await call("POST", "/stacks", signed, other)).status).toBe(400);
    expect(created).toEqual([]);
  });
});

describe("routes declared servedBy leader", () => {
  it("go to the leader from a follower; other routes are answered here", async () => {
    const { call, forwarded } = fakeApp({ replica: true });
    const requests: Array<[string, string, string?]> = [
      ["POST", "/stacks", createBody],
      ["DELETE", "/stacks/stack-1"],
      ["POST", "/stacks/stack-1/extend", "{}"],
      ["POST", "/stacks/batch-delete", '{"stack_ids":["stack-1"]}'],
      ["GET", "/stacks/batch-delete/job-1"],
      ["GET", "/stacks"],
      ["GET", "/stacks/stack-1"],
      ["GET", "/stacks/stack-1/status"],
      ["GET", "/stats"],
      ["POST", "/nowhere", "{}"],
    ];
    for (const [method, path, body] of requests) await call(method, path, {}, body);
    expect(forwarded).toEqual([
      "POST /stacks",
      "DELETE /stacks/stack-1",
      "POST /stacks/stack-1/extend",
      "POST /stacks/batch-delete",
      "GET /stacks/batch-delete/job-1",
    ]);
  });

  it("are matched as Elysia routes them: a static segment wins over a parameter", () => {
    const served = leaderRoutes([
      { method: "GET", path: "/stacks/batch-delete/:job_id", hooks: { servedBy: "leader" } },
      { method: "GET", path: "/stacks/:stack_id/status", hooks: {} },
      { method: "GET", path: "/stacks/:stack_id", hooks: {} },
    ]);
    expect(served("GET", "/stacks/batch-delete/status")).toBe(true);
    expect(served("GET", "/stacks/stack-1/status")).toBe(false);
    expect(served("GET", "/stacks/batch-delete")).toBe(false);
    expect(served("POST", "/stacks/batch-delete/job-1")).toBe(false);
  });
});

import { describe, expect, it } from "bun:test";
import { AppError, stackNotFound } from "../../../src/errors/app-error.ts";
import { createApp } from "../../../src/http/app.ts";
import type { BatchDeleteJob } from "../../../src/jobs/batch-delete-job.ts";
import { KeyRing } from "../../../src/keys/key-ring.ts";
import { silentLogger } from "../../../src/log/logger.ts";
import type { StackRecord } from "../../../src/stacks/stack-record.ts";
import { appCaller } from "../../helpers/app-calls.ts";

const key = "route-test-key";
const stackId = "stack-0123456789abcdef";

const job: BatchDeleteJob = {
  job_id: "job-0123456789abcdef",
  status: "running",
  total: 2,
  deleted: 1,
  not_found: 0,
  failed: 0,
  errors: [],
  created_at: "2026-11-28T20:00:00.000Z",
  finished_at: null,
};

/** The app with fake extension and batch delete services that record what the routes asked. */
function fakeApp() {
  const extended: Array<{ stackId: string; ttlMs: number | undefined }> = [];
  const submitted: string[][] = [];
  const app = createApp({
    commands: { create: () => Promise.reject(new Error("unused")), delete: async () => {} },
    queries: {
      get: () => undefined,
      getJson: () => undefined,
      list: () => new TextEncoder().encode('{"stacks":[]}'),
      stats: () => ({
        total_stacks: 0,
        active_stacks: 0,
        node_distribution: {},
        used_node_ports: 0,
        reserved_cpu_milli: 0,
        reserved_memory_bytes: 0,
      }),
    },
    ttl: {
      async extend(id, ttlMs) {
        if (id === "stack-gone") throw new AppError("STACK_NOT_EXTENDABLE", "stack is being deleted");
        if (id !== stackId) throw stackNotFound();
        extended.push({ stackId: id, ttlMs });
        return { stack_id: id, ttl_expires_at: "2026-11-28T23:00:00.000Z" } as StackRecord;
      },
    },
    batchDeletes: {
      submit(ids) {
        submitted.push(ids);
        return job.job_id;
      },
      get: (jobId) => (jobId === job.job_id ? job : undefined),
    },
    logger: silentLogger,
    keys: new KeyRing([{ name: "default", key: key }]),
    maxBodyBytes: 1_048_576,
  });
  const call = appCaller(app, key);
  return { call, extended, submitted };
}

describe("POST /stacks/{id}/extend", () => {
  it("extends by the requested ttl, or by STACK_TTL without a body", async () => {
    const { call, extended } = fakeApp();
    const answer = await call("POST", `/stacks/${stackId}/extend`, '{"ttl":"1h30m"}');
    expect(answer).toEqual({
      status: 200,
      body: { stack_id: stackId, ttl_expires_at: "2026-11-28T23:00:00.000Z" },
    });
    expect((await call("POST", `/stacks/${stackId}/extend`)).status).toBe(200);
    expect((await call("POST", `/stacks/${stackId}/extend`, "{}")).status).toBe(200);
    expect(extended).toEqual([
      { stackId, ttlMs: 90 * 60_000 },
      { stackId, ttlMs: undefined },
      { stackId, ttlMs: undefined },
    ]);
  });

  it.each([
    ['invalid request body: ttl must be a duration such as "30m", got "2 hours"', '{"ttl":"2 hours"}'],
    ['invalid request body: ttl must be a duration such as "30m"', '{"ttl":30}'],
    ['invalid request body: ttl must be at least 1s, got "-5m"', '{"ttl":"-5m"}'],
    ['invalid request body: ttl must be at least 1s, got "0"', '{"ttl":"0"}'],
    ["invalid request body: expected a JSON object", "[1]"],
    ["invalid request body: JSON Parse error: Expected '}'", "{oops"],
  ])("answers 400 %s", async (error, body) => {
    const { call, extended } = fakeApp();
    const answer = await call("POST", `/stacks/${stackId}/extend`, body);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toStartWith(error);
    expect(extended).toEqual([]);
  });

  it("answers 404 for an unknown stack and 409 for one that cannot be extended", async () => {
    const { call } = fakeApp();
    expect(await call("POST", "/stacks/stack-ffffffffffffffff/extend")).toEqual({
      status: 404,
      body: { error: "stack not found" },
    });
    expect(await call("POST", "/stacks/stack-gone/extend")).toEqual({
      status: 409,
      body: { error: "stack is being deleted" },
    });
  });
});

describe("POST /stacks/batch-delete", () => {
  it("answers 202 with the job id, the ids trimmed and de-duplicated in order", async () => {
    const { call, submitted } = fakeApp();
    const answer = await call(
      "POST",
      "/stacks/batch-delete",
      '{"stack_ids":[" stack-b","stack-a","stack-b ","stack-a"]}',
    );
    expect(answer).toEqual({ status: 202, body: { job_id: job.job_id } });
    expect(submitted).toEqual([["stack-b", "stack-a"]]);
  });

  it.each([
    ["invalid request body: stack_ids must not be empty", '{"stack_ids":[]}'],
    ["invalid request body: stack_ids[1] is empty", '{"stack_ids":["stack-a","  "]}'],
    ["invalid request body: stack_ids must be an array of strings", '{"stack_ids":"stack-a"}'],
    ["invalid request body: stack_ids must be an array of strings", '{"stack_ids":[1]}'],
    ["invalid request body: stack_ids is required", "{}"],
    ["invalid request body: empty body, expected a JSON object", ""],
    ["invalid request body: expected a JSON object", "null"],
    [
      "invalid request body: stack_ids may name at most 10000 stacks",
      JSON.stringify({ stack_ids: Array(10_001).fill("s") }),
    ],
  ])("answers 400 %s", async (error, body) => {
    const { call, submitted } = fakeApp();
    expect(await call("POST", "/stacks/batch-delete", body)).toEqual({ status: 400, body: { error } });
    expect(submitted).toEqual([]);
  });
});

describe("GET /stacks/batch-delete/{job_id}", () => {
  it("answers the job, and 404 saying why for an unknown one", async () => {
    const { call } = fakeApp();
    expect(await call("GET", `/stacks/batch-delete/${job.job_id}`)).toEqual({ status: 200, body: job });
    const unknown = await call("GET", "/stacks/batch-delete/job-ffffffffffffffff");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toBe(
      "batch delete job not found: unknown, finished more than 24h ago, or lost when another replica took over as leader",
    );
  });
});

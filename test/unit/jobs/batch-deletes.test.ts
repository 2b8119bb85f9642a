import { describe, expect, it } from "bun:test";
import { SimulatedClock } from "xstate";
import { AppError, internalError } from "../../../src/errors/app-error.ts";
import { BatchDeletes, type DeleteOutcome, deleteThrough } from "../../../src/jobs/batch-deletes.ts";
import { silentLogger } from "../../../src/log/logger.ts";
import { BatchDeleteStore } from "../../../src/store/batch-delete-store.ts";
import { openDatabase } from "../../../src/store/database.ts";

type Delete = (stackId: string) => Promise<DeleteOutcome>;

/** Lets every promise that can settle without the clock moving settle. */
const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * Batch deletes over an in-memory store and a simulated clock; `live` are the stacks that exist
 * (deleting one removes it), and each delete takes 1 ms of that clock.
 */
function jobs(
  options: { live?: string[]; deleteStack?: Delete; concurrency?: number; store?: BatchDeleteStore } = {},
) {
  const store = options.store ?? new BatchDeleteStore(openDatabase(":memory:"));
  const clock = new SimulatedClock();
  clock.set(Date.parse("2026-11-28T20:00:00.000Z"));
  const live = new Set(options.live ?? []);
  let inFlight = 0;
  let mostInFlight = 0;
  const deleteStack: Delete =
    options.deleteStack ??
    (async (stackId) => {
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await new Promise((resolve) => clock.setTimeout(resolve, 1));
      inFlight -= 1;
      return live.delete(stackId) ? "deleted" : "not_found";
    });
  const runner = new BatchDeletes({
    store,
    deleteStack,
    logger: silentLogger,
    concurrency: options.concurrency ?? 4,
    saveEveryMs: 5,
    now: () => clock.now(),
    clock: clock as never,
  });
  /** Moves the clock 1 ms at a time until `done` holds (at most `limit` ms). */
  const until = async (done: () => boolean, limit = 1_000) => {
    await flush();
    for (let elapsed = 0; !done(); elapsed += 1) {
      if (elapsed === limit) throw new Error(`not done within ${limit} simulated ms`);
      clock.increment(1);
      await flush();
    }
  };
  return { runner, store, live, clock, until, mostInFlight: () => mostInFlight };
}

/** The job once it has ended, the simulated clock moved as far as it takes. */
async function finished({ runner, until }: ReturnType<typeof jobs>, jobId: string) {
  const ended = () => ["completed", "failed"].includes(runner.get(jobId)?.status ?? "");
  await until(ended);
  const job = runner.get(jobId);
  if (!job) throw new Error(`job ${jobId} is unknown`);
  return job;
}

const ids = (count: number, prefix = "stack-") =>
  Array.from({ length: count }, (_, index) => `${prefix}${index}`);

describe("BatchDeletes", () => {
  it("deletes every stack, counting unknown ids as not_found, never more than `concurrency` at once", async () => {
    const batch = jobs({ live: ids(20), concurrency: 4 });
    const { runner, live, mostInFlight } = batch;
    const jobId = runner.submit([...ids(20), ...ids(5, "unknown-")]);
    expect(jobId).toMatch(/^job-[0-9a-f]{16}$/);
    const job = await finished(batch, jobId);
    expect(job).toMatchObject({
      status: "completed",
      total: 25,
      deleted: 20,
      not_found: 5,
      failed: 0,
      errors: [],
    });
    // 25 deletes of 1 ms, 4 at a time.
    expect(job.finished_at).toBe("2026-11-28T20:00:00.007Z");
    expect(live.size).toBe(0);
    expect(mostInFlight()).toBe(4);
  });

  it("is failed once every id was tried and some deletes failed, keeping the first 100 errors", async () => {
    const deleteStack: Delete = async (stackId) => {
      if (stackId.startsWith("bad-"))
        throw new AppError("KUBERNETES_UNAVAILABLE", "kubernetes unavailable: x");
      if (stackId === "bug") throw internalError(new Error("secret detail"));
      return "deleted";
    };
    const batch = jobs({ deleteStack });
    const job = await finished(batch, batch.runner.submit([...ids(3), ...ids(120, "bad-"), "bug"]));
    expect(job).toMatchObject({ status: "failed", total: 124, deleted: 3, failed: 121 });
    expect(job.errors).toHaveLength(100);
    expect(job.errors[0]).toEqual({ stack_id: "bad-0", error: "kubernetes unavailable: x" });
  });

  it("never reports an internal error's detail", async () => {
    const batch = jobs({ deleteStack: () => Promise.reject(new Error("secret detail")) });
    const job = await finished(batch, batch.runner.submit(["stack-1"]));
    expect(job.errors).toEqual([{ stack_id: "stack-1", error: "internal server error" }]);
  });

  it("runs jobs one after the other: a later job stays queued until the earlier one ends", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const batch = jobs({
      deleteStack: async () => {
        await gate;
        return "deleted";
      },
    });
    const { runner } = batch;
    const first = runner.submit(["stack-1"]);
    const second = runner.submit(["stack-2"]);
    expect(runner.get(first)?.status).toBe("running");
    expect(runner.get(second)?.status).toBe("queued");
    release();
    expect((await finished(batch, second)).deleted).toBe(1);
  });

  it("carries on after a restart with the ids it had not tried, and keeps finished jobs readable", async () => {
    const store = new BatchDeleteStore(openDatabase(":memory:"));
    const before = jobs({ live: ids(40), concurrency: 1, store });
    const jobId = before.runner.submit(ids(40));
    // One delete at a time, 1 ms each: stopped while the 11th is in flight, which it finishes first.
    await before.until(() => before.live.size === 30);
    const stopping = before.runner.stop();
    await before.until(() => before.live.size === 29);
    await stopping;
    const stopped = store.get(jobId);
    expect(stopped).toMatchObject({ status: "running", deleted: 11, not_found: 0 });
    expect(stopped?.pending).toEqual(ids(40).slice(11));
    const after = jobs({ live: [...before.live], store });
    after.runner.resume();
    const job = await finished(after, jobId);
    expect(job).toMatchObject({ status: "completed", total: 40, deleted: 40, not_found: 0 });
    expect(jobs({ store }).runner.get(jobId)?.status).toBe("completed");
  });

  it("knows no job it did not run", () => {
    expect(jobs().runner.get("job-0123456789abcdef")).toBeUndefined();
  });
});

describe("deleteThrough", () => {
  it("maps a stack not found to not_found and lets other failures through", async () => {
    const missing = deleteThrough({
      delete: () => Promise.reject(new AppError("STACK_NOT_FOUND", "stack not found")),
    });
    expect(await missing("stack-1")).toBe("not_found");
    expect(await deleteThrough({ delete: async () => {} })("stack-1")).toBe("deleted");
    const broken = deleteThrough({ delete: () => Promise.reject(new Error("boom")) });
    expect(broken("stack-1")).rejects.toThrow("boom");
  });
});

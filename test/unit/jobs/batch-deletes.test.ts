import { describe, expect, it } from "bun:test";
import { AppError, internalError } from "../../../src/errors/app-error.ts";
import { BatchDeletes, type DeleteOutcome, deleteThrough } from "../../../src/jobs/batch-deletes.ts";
import { silentLogger } from "../../../src/log/logger.ts";
import { BatchDeleteStore } from "../../../src/store/batch-delete-store.ts";
import { openDatabase } from "../../../src/store/database.ts";

type Delete = (stackId: string) => Promise<DeleteOutcome>;

/** Batch deletes over an in-memory store; `live` are the stacks that exist (deleting one removes it). */
function jobs(
  options: { live?: string[]; deleteStack?: Delete; concurrency?: number; store?: BatchDeleteStore } = {},
) {
  const store = options.store ?? new BatchDeleteStore(openDatabase(":memory:"));
  const live = new Set(options.live ?? []);
  let inFlight = 0;
  let mostInFlight = 0;
  const deleteStack: Delete =
    options.deleteStack ??
    (async (stackId) => {
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await Bun.sleep(1);
      inFlight -= 1;
      return live.delete(stackId) ? "deleted" : "not_found";
    });
  const runner = new BatchDeletes({
    store,
    deleteStack,
    logger: silentLogger,
    concurrency: options.concurrency ?? 4,
    saveEveryMs: 5,
  });
  return { runner, store, live, mostInFlight: () => mostInFlight };
}

async function finished(runner: BatchDeletes, jobId: string) {
  for (;;) {
    const job = runner.get(jobId);
    if (job?.status === "completed" || job?.status === "failed") return job;
    await Bun.sleep(2);
  }
}

const ids = (count: number, prefix = "stack-") =>
  Array.from({ length: count }, (_, index) => `${prefix}${index}`);

describe("BatchDeletes", () => {
  it("deletes every stack, counting unknown ids as not_found, never more than `concurrency` at once", async () => {
    const { runner, live, mostInFlight } = jobs({ live: ids(20), concurrency: 4 });
    const jobId = runner.submit([...ids(20), ...ids(5, "unknown-")]);
    expect(jobId).toMatch(/^job-[0-9a-f]{16}$/);
    const job = await finished(runner, jobId);
    expect(job).toMatchObject({
      status: "completed",
      total: 25,
      deleted: 20,
      not_found: 5,
      failed: 0,
      errors: [],
    });
    expect(job.finished_at).not.toBeNull();
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
    const { runner } = jobs({ deleteStack });
    const job = await finished(runner, runner.submit([...ids(3), ...ids(120, "bad-"), "bug"]));
    expect(job).toMatchObject({ status: "failed", total: 124, deleted: 3, failed: 121 });
    expect(job.errors).toHaveLength(100);
    expect(job.errors[0]).toEqual({ stack_id: "bad-0", error: "kubernetes unavailable: x" });
  });

  it("never reports an internal error's detail", async () => {
    const { runner } = jobs({ deleteStack: () => Promise.reject(new Error("secret detail")) });
    const job = await finished(runner, runner.submit(["stack-1"]));
    expect(job.errors).toEqual([{ stack_id: "stack-1", error: "internal server error" }]);
  });

  it("runs jobs one after the other: a later job stays queued until the earlier one ends", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { runner } = jobs({
      deleteStack: async () => {
        await gate;
        return "deleted";
      },
    });
    const first = runner.submit(["stack-1"]);
    const second = runner.submit(["stack-2"]);
    expect(runner.get(first)?.status).toBe("running");
    expect(runner.get(second)?.status).toBe("queued");
    release();
    expect((await finished(runner, second)).deleted).toBe(1);
  });

  it("carries on after a restart with the ids it had not tried, and keeps finished jobs readable", async () => {
    const store = new BatchDeleteStore(openDatabase(":memory:"));
    const before = jobs({ live: ids(40), concurrency: 1, store });
    const jobId = before.runner.submit(ids(40));
    await Bun.sleep(10);
    await before.runner.stop();
    const stopped = store.get(jobId);
    expect(stopped?.status).toBe("running");
    const tried = (stopped?.deleted ?? 0) + (stopped?.not_found ?? 0);
    expect(tried).toBeGreaterThan(0);
    expect(tried).toBeLessThan(40);
    expect(stopped?.pending).toHaveLength(40 - tried);
    const after = jobs({ live: [...before.live], store });
    after.runner.resume();
    const job = await finished(after.runner, jobId);
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

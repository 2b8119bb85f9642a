import { randomBytes } from "node:crypto";
import { AppError } from "../errors/app-error.ts";
import type { Logger } from "../log/logger.ts";
import type { StackCommands } from "../stacks/stack-service.ts";
import type { BatchDeleteStore } from "../store/batch-delete-store.ts";
import {
  type BatchDeleteJob,
  jobViewOf,
  maxJobErrors,
  type StoredBatchDeleteJob,
} from "./batch-delete-job.ts";

/** What the HTTP edge may ask of batch deletes. */
export interface BatchDeleteJobs {
  /** Queues a job deleting `stackIds` (already trimmed and distinct); answers its id at once. */
  submit(stackIds: string[]): string;
  get(jobId: string): BatchDeleteJob | undefined;
}

/** How one delete ended: the stack is being deleted (or gone), or there was no such stack. */
export type DeleteOutcome = "deleted" | "not_found";

export interface BatchDeletesOptions {
  store: BatchDeleteStore;
  /** Deletes one stack as `DELETE /stacks/{id}` does; throws when the delete fails. */
  deleteStack: (stackId: string) => Promise<DeleteOutcome>;
  logger: Logger;
  /** Deletes of one job in flight at once; their Kubernetes requests are paced by the client rate limit. */
  concurrency?: number;
  /** How often a running job's progress is written (it is written at once when it ends). */
  saveEveryMs?: number;
  now?: () => number;
  /** Runs the progress-save timer (a SimulatedClock in tests, with its `now` as `now`). */
  clock?: Pick<typeof globalThis, "setTimeout" | "clearTimeout">;
}

/** One delete of a batch through `DELETE /stacks/{id}`'s own path: an unknown stack is not_found, not a failure. */
export function deleteThrough(commands: Pick<StackCommands, "delete">) {
  return async (stackId: string): Promise<DeleteOutcome> => {
    try {
      await commands.delete(stackId);
      return "deleted";
    } catch (error) {
      if (error instanceof AppError && error.code === "STACK_NOT_FOUND") return "not_found";
      throw error;
    }
  };
}

/** Finished jobs are kept this long, and at most this many. */
const retentionMs = 24 * 3_600_000;
const keptJobs = 1_000;

interface ActiveJob {
  stored: StoredBatchDeleteJob;
  pending: Set<string>;
}

/**
 * Batch deletes: each job is stored before its id is answered, runs its deletes `concurrency` at a time
 * (jobs one after the other, in order), and stores its progress, so that a restart carries on with the
 * ids it had not tried. Runs only where the stack actors run (the leader).
 */
export class BatchDeletes implements BatchDeleteJobs {
  #options: BatchDeletesOptions;
  #now: () => number;
  #active = new Map<string, ActiveJob>();
  #queue: ActiveJob[] = [];
  #draining: Promise<void> | undefined;
  #stopped = false;
  #dirty = new Set<ActiveJob>();
  #saveTimer: ReturnType<typeof setTimeout> | undefined;
  #clock: Pick<typeof globalThis, "setTimeout" | "clearTimeout">;

  constructor(options: BatchDeletesOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
    this.#clock = options.clock ?? globalThis;
  }

  submit(stackIds: string[]): string {
    const jobId = `job-${randomBytes(8).toString("hex")}`;
    const stored: StoredBatchDeleteJob = {
      job_id: jobId,
      status: "queued",
      total: stackIds.length,
      deleted: 0,
      not_found: 0,
      failed: 0,
      errors: [],
      created_at: new Date(this.#now()).toISOString(),
      finished_at: null,
      pending: stackIds,
    };
    try {
      this.#options.store.prune(this.#now() - retentionMs, keptJobs);
      this.#options.store.save(stored);
    } catch (error) {
      // A job nobody could find again after a restart is refused rather than run half-known.
      throw new AppError("DATABASE_UNAVAILABLE", `database unavailable: ${(error as Error).message}`, {
        cause: error,
      });
    }
    this.#enqueue(stored);
    return jobId;
  }

  get(jobId: string): BatchDeleteJob | undefined {
    const active = this.#active.get(jobId);
    if (active) return jobViewOf({ ...active.stored, pending: [] });
    const stored = this.#options.store.get(jobId);
    return stored ? jobViewOf(stored) : undefined;
  }

  /** Queues again the jobs that were queued or running when stackd stopped (this replica now runs stacks). */
  resume(): void {
    this.#stopped = false;
    for (const stored of this.#options.store.unfinished())
      if (!this.#active.has(stored.job_id)) this.#enqueue(stored);
  }

  /** Starts no more deletes, waits for those in flight, and stores every job's progress. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#draining;
    this.#saveDirty();
  }

  #enqueue(stored: StoredBatchDeleteJob): void {
    const job = { stored, pending: new Set(stored.pending) };
    this.#active.set(stored.job_id, job);
    this.#queue.push(job);
    if (!this.#stopped) this.#draining ??= this.#drain();
  }

  async #drain(): Promise<void> {
    try {
      for (let job = this.#queue.shift(); job && !this.#stopped; job = this.#queue.shift())
        await this.#run(job);
    } finally {
      this.#draining = undefined;
    }
  }

  async #run(job: ActiveJob): Promise<void> {
    job.stored.status = "running";
    this.#save(job);
    const ids = [...job.pending];
    let next = 0;
    const worker = async () => {
      for (let id = ids[next]; id !== undefined && !this.#stopped; id = ids[next]) {
        next += 1;
        await this.#deleteOne(job, id);
      }
    };
    const workers = Math.max(1, Math.min(this.#options.concurrency ?? 32, ids.length));
    await Promise.all(Array.from({ length: workers }, worker));
    if (job.pending.size > 0) return; // stopped: the job carries on at the next start
    job.stored.status = job.stored.failed > 0 ? "failed" : "completed";
    job.stored.finished_at = new Date(this.#now()).toISOString();
    this.#save(job);
    this.#active.delete(job.stored.job_id);
    this.#options.logger.info("batch delete finished", {
      jobId: job.stored.job_id,
      status: job.stored.status,
      total: job.stored.total,
      deleted: job.stored.deleted,
      notFound: job.stored.not_found,
      failed: job.stored.failed,
    });
  }

  async #deleteOne(job: ActiveJob, stackId: string): Promise<void> {
    try {
      const outcome = await this.#options.deleteStack(stackId);
      if (outcome === "deleted") job.stored.deleted += 1;
      else job.stored.not_found += 1;
    } catch (error) {
      job.stored.failed += 1;
      if (job.stored.errors.length < maxJobErrors)
        job.stored.errors.push({ stack_id: stackId, error: clientMessage(error) });
      if (!(error instanceof AppError))
        this.#options.logger.error("batch delete of a stack failed", { stackId, error });
    }
    job.pending.delete(stackId);
    this.#dirty.add(job);
    this.#saveTimer ??= this.#clock.setTimeout(() => this.#saveDirty(), this.#options.saveEveryMs ?? 250);
  }

  #save(job: ActiveJob): void {
    this.#dirty.delete(job);
    try {
      this.#options.store.save({ ...job.stored, pending: [...job.pending] });
    } catch (error) {
      this.#options.logger.error("cannot store a batch delete job's progress", {
        jobId: job.stored.job_id,
        error,
      });
    }
  }

  #saveDirty(): void {
    this.#clock.clearTimeout(this.#saveTimer);
    this.#saveTimer = undefined;
    for (const job of [...this.#dirty]) this.#save(job);
  }
}

/** What a job reports of a failed delete: the API's own message, never an internal error's. */
const clientMessage = (error: unknown) =>
  error instanceof AppError && error.code !== "INTERNAL" ? error.message : "internal server error";

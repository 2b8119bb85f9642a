import type { Database } from "bun:sqlite";
import { Value } from "@sinclair/typebox/value";
import { StoredBatchDeleteJob } from "../jobs/batch-delete-job.ts";

/** Batch delete jobs in SQLite, one JSON document per job; only the replica that ran a job has it. */
export class BatchDeleteStore {
  #upsert;
  #get;
  #unfinished;
  #prune;

  constructor(db: Database) {
    this.#upsert = db.query(
      `INSERT INTO batch_delete_jobs (job_id, created_at, finished, job) VALUES (?, ?, ?, ?)
       ON CONFLICT (job_id) DO UPDATE SET finished = excluded.finished, job = excluded.job`,
    );
    this.#get = db.query<{ job: string }, [string]>("SELECT job FROM batch_delete_jobs WHERE job_id = ?");
    this.#unfinished = db.query<{ job: string }, []>(
      "SELECT job FROM batch_delete_jobs WHERE finished = 0 ORDER BY created_at, job_id",
    );
    // Finished jobs older than the cutoff go, and beyond `keep` jobs the oldest finished ones.
    this.#prune = db.query(
      `DELETE FROM batch_delete_jobs WHERE finished = 1 AND (created_at < ?1 OR job_id IN (
         SELECT job_id FROM batch_delete_jobs WHERE finished = 1 ORDER BY created_at DESC LIMIT -1 OFFSET ?2))`,
    );
  }

  save(job: StoredBatchDeleteJob): void {
    const finished = job.status === "completed" || job.status === "failed" ? 1 : 0;
    this.#upsert.run(job.job_id, Date.parse(job.created_at), finished, JSON.stringify(job));
  }

  get(jobId: string): StoredBatchDeleteJob | undefined {
    const row = this.#get.get(jobId);
    return row ? parsed(row.job) : undefined;
  }

  /** Jobs that were queued or running when stackd stopped, oldest first. */
  unfinished(): StoredBatchDeleteJob[] {
    return this.#unfinished.all().flatMap((row) => parsed(row.job) ?? []);
  }

  /** Drops finished jobs created before `before`, and keeps at most `keep` finished ones. */
  prune(before: number, keep: number): void {
    this.#prune.run(before, keep);
  }
}

function parsed(text: string): StoredBatchDeleteJob | undefined {
  try {
    const job: unknown = JSON.parse(text);
    return Value.Check(StoredBatchDeleteJob, job) ? job : undefined;
  } catch {
    return undefined;
  }
}

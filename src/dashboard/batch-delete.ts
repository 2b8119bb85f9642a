import { type ApiClient, errorText, routeMissing } from "./api-client.ts";

/** A batch-delete job as `GET /stacks/batch-delete/{job_id}` answers it. */
export interface BatchJob {
  status: "queued" | "running" | "completed" | "failed";
  total: number;
  deleted: number;
  not_found: number;
  failed: number;
  errors: unknown[];
}

const pollIntervalMs = 500;
/** Deletes at a time when the server has no batch route and the page deletes one by one. */
const fallbackConcurrency = 4;

const finished = (job: BatchJob) => job.status === "completed" || job.status === "failed";

/** One error entry as text, whatever its shape (`{stack_id, error}`, a string, ...). */
export function batchErrorText(entry: unknown): string {
  if (typeof entry === "string") return entry;
  if (entry && typeof entry === "object") {
    const { stack_id: stackId, error, message } = entry as Record<string, unknown>;
    const text =
      typeof error === "string" ? error : typeof message === "string" ? message : JSON.stringify(entry);
    return typeof stackId === "string" ? `${stackId}: ${text}` : text;
  }
  return String(entry);
}

/** Deletes stacks one `DELETE` at a time (a few in parallel), reporting progress as a job: for a server with no batch route. */
async function deleteOneByOne(api: ApiClient, stackIds: string[], onProgress: (job: BatchJob) => void) {
  const job: BatchJob = {
    status: "running",
    total: stackIds.length,
    deleted: 0,
    not_found: 0,
    failed: 0,
    errors: [],
  };
  const queue = [...stackIds];
  const worker = async () => {
    for (let stackId = queue.shift(); stackId !== undefined; stackId = queue.shift()) {
      const answer = await api.call("DELETE", `/stacks/${encodeURIComponent(stackId)}`).catch((error) => ({
        status: 0,
        body: { error: String(error) },
      }));
      if (answer.status === 200) job.deleted += 1;
      else if (answer.status === 404) job.not_found += 1;
      else {
        job.failed += 1;
        if (job.errors.length < 100) job.errors.push({ stack_id: stackId, error: errorText(answer) });
      }
      onProgress(job);
    }
  };
  await Promise.all(Array.from({ length: fallbackConcurrency }, worker));
  job.status = "completed";
  onProgress(job);
  return job;
}

/**
 * Deletes the stacks through `POST /stacks/batch-delete` and follows the job until it ends; falls back to
 * one `DELETE` per stack when the server has no batch route (an older stackd). Throws the API's error otherwise.
 */
export async function batchDelete(
  api: ApiClient,
  stackIds: string[],
  onProgress: (job: BatchJob, oneByOne: boolean) => void,
): Promise<BatchJob> {
  const started = await api.call("POST", "/stacks/batch-delete", { stack_ids: stackIds });
  if (routeMissing(started)) return deleteOneByOne(api, stackIds, (job) => onProgress(job, true));
  if (started.status !== 202 || typeof started.body?.job_id !== "string") throw new Error(errorText(started));
  const path = `/stacks/batch-delete/${encodeURIComponent(started.body.job_id)}`;
  for (;;) {
    const answer = await api.call("GET", path);
    if (answer.status !== 200) throw new Error(`cannot follow the batch delete: ${errorText(answer)}`);
    const job = answer.body as BatchJob;
    onProgress(job, false);
    if (finished(job)) return job;
    await new Promise((resolve) => setTimeout(resolve, pollIntervalMs));
  }
}

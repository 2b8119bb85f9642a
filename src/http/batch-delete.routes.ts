import { Type } from "@sinclair/typebox";
import { Elysia } from "elysia";
import { AppError, invalidRequest } from "../errors/app-error.ts";
import { BatchDeleteJob, distinctStackIds } from "../jobs/batch-delete-job.ts";
import type { BatchDeleteJobs } from "../jobs/batch-deletes.ts";
import { json } from "./errors.ts";
import { errorAnswers } from "./model.ts";
import { readBodyText } from "./read-body.ts";
import { servedByMacro } from "./served-by.ts";

/** The most ids one batch may name. */
export const maxBatchIds = 10_000;

export const batchDeleteModel = {
  body: Type.Object({
    stack_ids: Type.Array(Type.String({ minLength: 1 }), {
      minItems: 1,
      maxItems: maxBatchIds,
      description: "the stacks to delete; ids are trimmed and de-duplicated, unknown ids count as not_found",
    }),
  }),
  accepted: Type.Object({ job_id: Type.String({ examples: ["job-5f0c2a9d41b7e8c3"] }) }),
  params: Type.Object({ job_id: Type.String() }),
  job: BatchDeleteJob,
} as const;

/** The distinct, trimmed stack ids of a batch delete body, or a precise 400. */
export function stackIdsOfBody(text: string): string[] {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw invalidRequest(
      text.trim() === ""
        ? "invalid request body: empty body, expected a JSON object"
        : `invalid request body: ${(error as Error).message}`,
    );
  }
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw invalidRequest("invalid request body: expected a JSON object");
  const ids = (body as { stack_ids?: unknown }).stack_ids;
  if (ids === undefined) throw invalidRequest("invalid request body: stack_ids is required");
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === "string"))
    throw invalidRequest("invalid request body: stack_ids must be an array of strings");
  if (ids.length === 0) throw invalidRequest("invalid request body: stack_ids must not be empty");
  if (ids.length > maxBatchIds)
    throw invalidRequest(`invalid request body: stack_ids may name at most ${maxBatchIds} stacks`);
  const distinct = distinctStackIds(ids);
  if ("emptyAt" in distinct)
    throw invalidRequest(`invalid request body: stack_ids[${distinct.emptyAt}] is empty`);
  return distinct.ids;
}

const jobNotFound = () =>
  new AppError(
    "JOB_NOT_FOUND",
    "batch delete job not found: unknown, finished more than 24h ago, or lost when another replica took over as leader",
  );

/** `POST /stacks/batch-delete` and `GET /stacks/batch-delete/{job_id}`. */
export function batchDeleteRoutes({ jobs, maxBodyBytes }: { jobs: BatchDeleteJobs; maxBodyBytes: number }) {
  return new Elysia({ name: "batch-delete" })
    .use(servedByMacro)
    .parser("batchDeleteBody", async ({ request }) => ({
      stack_ids: stackIdsOfBody(await readBodyText(request, maxBodyBytes)),
    }))
    .post("/stacks/batch-delete", ({ body }) => json({ job_id: jobs.submit(body.stack_ids) }, 202), {
      parse: "batchDeleteBody",
      servedBy: "leader",
      body: batchDeleteModel.body,
      response: { 202: batchDeleteModel.accepted, ...errorAnswers(400, 401, 500, 503) },
      detail: {
        summary: "Delete many stacks: answers a job id at once; the deletes run in the background",
        tags: ["stacks"],
      },
    })
    .get(
      "/stacks/batch-delete/:job_id",
      ({ params }) => {
        const job = jobs.get(params.job_id);
        if (!job) throw jobNotFound();
        return job;
      },
      {
        // The jobs live in the leader's database.
        servedBy: "leader",
        params: batchDeleteModel.params,
        response: { 200: batchDeleteModel.job, ...errorAnswers(401, 404, 503) },
        detail: { summary: "A batch delete job's progress", tags: ["stacks"] },
      },
    );
}

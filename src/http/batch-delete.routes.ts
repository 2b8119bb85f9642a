import { Type } from "@sinclair/typebox";
import { type ValueError, ValueErrorType } from "@sinclair/typebox/value";
import { Elysia } from "elysia";
import { AppError, invalidRequest } from "../errors/app-error.ts";
import { BatchDeleteJob, distinctStackIds } from "../jobs/batch-delete-job.ts";
import type { BatchDeleteJobs } from "../jobs/batch-deletes.ts";
import { json } from "./errors.ts";
import { errorAnswers } from "./model.ts";
import { parseJsonBody, readBodyText } from "./read-body.ts";
import { servedByMacro } from "./served-by.ts";
import { strictSchema } from "./strict-schema.ts";

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

const invalidBody = (reason: string) => invalidRequest(`invalid request body: ${reason}`);

/** The contract's 400 for TypeBox's first error in a batch delete body (`batchDeleteModel.body`). */
export function batchDeleteBodyRefusal({ path, type }: ValueError): AppError {
  if (path === "") return invalidBody("expected a JSON object");
  if (type === ValueErrorType.ObjectRequiredProperty) return invalidBody("stack_ids is required");
  if (type === ValueErrorType.ArrayMinItems) return invalidBody("stack_ids must not be empty");
  if (type === ValueErrorType.ArrayMaxItems)
    return invalidBody(`stack_ids may name at most ${maxBatchIds} stacks`);
  if (type === ValueErrorType.StringMinLength)
    return invalidBody(`stack_ids[${path.split("/")[2]}] is empty`);
  return invalidBody("stack_ids must be an array of strings");
}

/** The distinct, trimmed ids of a checked body, or a 400 naming one that is only blanks. */
export function distinctIdsOf(ids: string[]): string[] {
  const distinct = distinctStackIds(ids);
  if ("emptyAt" in distinct) throw invalidBody(`stack_ids[${distinct.emptyAt}] is empty`);
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
    .parser("jsonBody", async ({ request }) => parseJsonBody(await readBodyText(request, maxBodyBytes)))
    .post(
      "/stacks/batch-delete",
      ({ body }) => json({ job_id: jobs.submit(distinctIdsOf(body.stack_ids)) }, 202),
      {
        parse: ["jsonBody", "json"],
        servedBy: "leader",
        body: strictSchema(batchDeleteModel.body, batchDeleteBodyRefusal),
        response: { 202: batchDeleteModel.accepted, ...errorAnswers(400, 401, 500, 503) },
        detail: {
          summary: "Delete many stacks: answers a job id at once; the deletes run in the background",
          tags: ["stacks"],
        },
      },
    )
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

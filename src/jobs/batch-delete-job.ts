import { FormatRegistry, type Static, Type } from "@sinclair/typebox";

// TypeBox checks only formats it knows (stack-record.ts registers the same one for stack records).
if (!FormatRegistry.Has("date-time")) {
  FormatRegistry.Set("date-time", (value) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/.test(value));
}

/** How many errors a job keeps (its counters keep counting past them). */
export const maxJobErrors = 100;

/** A batch delete as `GET /stacks/batch-delete/{job_id}` answers it. */
export const BatchDeleteJob = Type.Object({
  job_id: Type.String({ examples: ["job-5f0c2a9d41b7e8c3"] }),
  status: Type.Union(
    [Type.Literal("queued"), Type.Literal("running"), Type.Literal("completed"), Type.Literal("failed")],
    {
      description:
        "queued (not started), running, completed (every id deleted or not found), failed (every id tried, some deletes failed: see errors)",
    },
  ),
  total: Type.Integer({ description: "distinct stack ids in the request" }),
  deleted: Type.Integer(),
  not_found: Type.Integer({ description: "ids of no stack (unknown, or already gone)" }),
  failed: Type.Integer(),
  errors: Type.Array(Type.Object({ stack_id: Type.String(), error: Type.String() }), {
    maxItems: maxJobErrors,
    description: `the first ${maxJobErrors} failures`,
  }),
  created_at: Type.String({ format: "date-time" }),
  finished_at: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
});
export type BatchDeleteJob = Static<typeof BatchDeleteJob>;

/** The stored form: the job plus the ids not yet tried, so that a restart carries on with them. */
export const StoredBatchDeleteJob = Type.Composite([
  BatchDeleteJob,
  Type.Object({ pending: Type.Array(Type.String()) }),
]);
export type StoredBatchDeleteJob = Static<typeof StoredBatchDeleteJob>;

/** Trims and de-duplicates the ids of a request, keeping their order; or the index of the first empty one. */
export function distinctStackIds(ids: string[]): { ids: string[] } | { emptyAt: number } {
  const seen = new Set<string>();
  for (const [index, raw] of ids.entries()) {
    const id = raw.trim();
    if (id === "") return { emptyAt: index };
    seen.add(id);
  }
  return { ids: [...seen] };
}

/** The API form of a stored job. */
export function jobViewOf(stored: StoredBatchDeleteJob): BatchDeleteJob {
  const { pending: _pending, ...job } = stored;
  return job;
}

import { Elysia } from "elysia";
import { stackNotFound } from "../errors/app-error.ts";
import { proposedStackIdHeader } from "../leadership/forwarding-signature.ts";
import { defaultPodPolicy, type PodPolicy } from "../podspec/pod-policy.ts";
import type { StackReads } from "../stacks/stack-reads.ts";
import type { NewStack, StackCommands } from "../stacks/stack-service.ts";
import { statusRecordOf } from "../stacks/status-record.ts";
import { createBodyRefusal, newStackOf } from "./create-request.ts";
import { json } from "./errors.ts";
import { queryRefusal, refuseInclude, stackFilterOf, stackPageOf } from "./list-query.ts";
import { CreateConflictBody, errorAnswers, stackModel } from "./model.ts";
import { parseJsonBody, readBodyText } from "./read-body.ts";
import { servedByMacro } from "./served-by.ts";
import { strictQuery, strictSchema } from "./strict-schema.ts";

/** What the stack routes read; `StackReads` in production, a fake in route tests. */
export type StackQueries = Pick<StackReads, "get" | "getJson" | "list" | "stats">;

export interface StackRoutesOptions {
  commands: StackCommands;
  queries: StackQueries;
  /**
   * The per-stack env values of a stack, read back from its Pod (null when its Pod is not seen), for
   * `GET /stacks/{id}?include=env`; without it that answer has `env: null`.
   */
  stackEnv?: (stackId: string) => Record<string, string> | null;
  maxBodyBytes: number;
  /** What the allowlist lets through beyond its fixed rules (the operator's widenings); defaults otherwise. */
  podPolicy?: PodPolicy;
}

const jsonBytes = (bytes: Uint8Array<ArrayBuffer>) =>
  new Response(bytes, { headers: { "content-type": "application/json" } });

/**
 * A create forwarded by a follower carries the id the follower chose. The header reaches a route only
 * on a request whose forwarding signature the app verified (any other is refused with 400 before).
 */
function withProposedId(stack: NewStack, request: Request): NewStack {
  const proposed = request.headers.get(proposedStackIdHeader);
  return proposed ? { ...stack, stackId: proposed } : stack;
}

/** The contract's stack routes: create, list, read, status, delete, and stats. */
export function stackRoutes({
  commands,
  queries,
  stackEnv = () => null,
  maxBodyBytes,
  podPolicy = defaultPodPolicy,
}: StackRoutesOptions) {
  return (
    new Elysia({ name: "stacks" })
      .use(servedByMacro)
      // The body is JSON whatever the declared content type, as the reference reads it.
      .parser("jsonBody", async ({ request }) => parseJsonBody(await readBodyText(request, maxBodyBytes)))
      .get(
        "/stats",
        ({ query }) => {
          refuseInclude(query);
          return queries.stats(stackFilterOf(query));
        },
        {
          query: strictQuery(stackModel.statsQuery, queryRefusal),
          response: { 200: stackModel.stats, ...errorAnswers(400, 401) },
          detail: {
            summary: "Counts of stacks, NodePorts and reserved resources",
            description:
              "With `label`, `status` or `node`, only the matching stacks count, and `used_node_ports` is the NodePorts they hold.",
            tags: ["stacks"],
          },
        },
      )
      .get(
        "/stacks",
        ({ query }) => {
          refuseInclude(query);
          return jsonBytes(queries.list(stackFilterOf(query), stackPageOf(query)));
        },
        {
          query: strictQuery(stackModel.listQuery, queryRefusal),
          response: { 200: stackModel.page, ...errorAnswers(400, 401) },
          detail: {
            summary: "Every stack, or those matching a filter, or one page of them",
            description:
              "Without parameters the contract's answer. `label`, `status` and `node` filter; `limit` or `cursor` pages (then `next_cursor` is set, null on the last page) in the order of `created_at`, then `stack_id`.",
            tags: ["stacks"],
          },
        },
      )
      .post(
        "/stacks",
        async ({ body, request }) =>
          json(
            await commands.create(withProposedId(newStackOf(body, podPolicy), request), request.signal),
            201,
          ),
        {
          // "json" after the parser only names the body's content type in the OpenAPI document.
          parse: ["jsonBody", "json"],
          servedBy: "leader",
          body: strictSchema(stackModel.createBody, createBodyRefusal),
          response: {
            201: stackModel.record,
            ...errorAnswers(400, 401, 429, 500, 503),
            409: CreateConflictBody,
          },
          detail: {
            summary:
              "Create a stack: validate and harden the pod spec, create Pod and NodePort Service, wait until scheduled",
            tags: ["stacks"],
          },
        },
      )
      .get(
        "/stacks/:stack_id",
        ({ params, query }) => {
          const body = queries.getJson(params.stack_id);
          if (body === undefined) throw stackNotFound();
          if (!query.include) return json(body);
          return json(`${body.slice(0, -1)},"env":${JSON.stringify(stackEnv(params.stack_id))}}`);
        },
        {
          params: stackModel.stackParams,
          query: strictQuery(stackModel.readQuery, queryRefusal),
          response: { 200: stackModel.recordWithEnv, ...errorAnswers(400, 401, 404) },
          detail: {
            summary: "One stack (with its env values when asked with include=env)",
            tags: ["stacks"],
          },
        },
      )
      .get(
        "/stacks/:stack_id/status",
        ({ params }) => {
          const record = queries.get(params.stack_id);
          if (!record) throw stackNotFound();
          return statusRecordOf(record);
        },
        {
          params: stackModel.stackParams,
          response: { 200: stackModel.status, ...errorAnswers(401, 404) },
          detail: { summary: "A stack's status, TTL and ports", tags: ["stacks"] },
        },
      )
      .delete(
        "/stacks/:stack_id",
        async ({ params }) => {
          await commands.delete(params.stack_id);
          return { deleted: true as const, stack_id: params.stack_id };
        },
        {
          servedBy: "leader",
          params: stackModel.stackParams,
          response: { 200: stackModel.deleted, ...errorAnswers(401, 404, 500) },
          detail: {
            summary: "Delete a stack's Pod and Service; answers when both are gone",
            tags: ["stacks"],
          },
        },
      )
  );
}

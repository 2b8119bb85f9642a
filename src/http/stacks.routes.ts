import { Value } from "@sinclair/typebox/value";
import { Elysia } from "elysia";
import { stackNotFound } from "../errors/app-error.ts";
import { proposedStackIdHeader } from "../leadership/forwarding-signature.ts";
import { defaultPodPolicy, type PodPolicy } from "../podspec/pod-policy.ts";
import type { StackReads } from "../stacks/stack-reads.ts";
import { statusRecordOf } from "../stacks/stack-record.ts";
import type { NewStack, StackCommands } from "../stacks/stack-service.ts";
import { newStackOf, parseJsonBody } from "./create-request.ts";
import { invalidCreateBody, json } from "./errors.ts";
import {
  filterParameters,
  includesEnv,
  pageParameters,
  parseStackFilter,
  parseStackPage,
  refuseInclude,
} from "./list-query.ts";
import { errorAnswers, stackModel } from "./model.ts";
import { readBodyText } from "./read-body.ts";
import { servedByMacro } from "./served-by.ts";

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

const queryOf = (request: Request) => new URL(request.url).searchParams;

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
      // The body is JSON whatever the declared content type (as the reference reads it), checked against
      // its schema here so that a mistyped field gets the contract's message and nothing is coerced.
      .parser("createStackBody", async ({ request }) => {
        const body = parseJsonBody(await readBodyText(request, maxBodyBytes));
        if (!Value.Check(stackModel.createBody, body)) throw invalidCreateBody(body);
        return body;
      })
      .get(
        "/stats",
        ({ request }) => {
          const query = queryOf(request);
          refuseInclude(query);
          return queries.stats(parseStackFilter(query));
        },
        {
          response: { 200: stackModel.stats, ...errorAnswers(400, 401) },
          detail: {
            summary: "Counts of stacks, NodePorts and reserved resources",
            description:
              "With `label`, `status` or `node`, only the matching stacks count, and `used_node_ports` is the NodePorts they hold.",
            tags: ["stacks"],
            parameters: filterParameters,
          },
        },
      )
      .get(
        "/stacks",
        ({ request }) => {
          const query = queryOf(request);
          refuseInclude(query);
          return jsonBytes(queries.list(parseStackFilter(query), parseStackPage(query)));
        },
        {
          response: { 200: stackModel.page, ...errorAnswers(400, 401) },
          detail: {
            summary: "Every stack, or those matching a filter, or one page of them",
            description:
              "Without parameters the contract's answer. `label`, `status` and `node` filter; `limit` or `cursor` pages (then `next_cursor` is set, null on the last page) in the order of `created_at`, then `stack_id`.",
            tags: ["stacks"],
            parameters: [...filterParameters, ...pageParameters],
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
          // The named parser reads every body; "json" after it only puts the body's schema in the OpenAPI document.
          parse: ["createStackBody", "json"],
          servedBy: "leader",
          body: stackModel.createBody,
          response: {
            201: stackModel.record,
            ...errorAnswers(400, 401, 409, 500, 503),
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
        ({ params, request }) => {
          const withEnv = includesEnv(queryOf(request));
          const body = queries.getJson(params.stack_id);
          if (body === undefined) throw stackNotFound();
          if (!withEnv) return json(body);
          return json(`${body.slice(0, -1)},"env":${JSON.stringify(stackEnv(params.stack_id))}}`);
        },
        {
          params: stackModel.stackParams,
          query: stackModel.readQuery,
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

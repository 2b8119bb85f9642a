import { Type } from "@sinclair/typebox";
import { Elysia } from "elysia";
import { DurationError, maxGoDurationText, parseGoDuration } from "../config/duration.ts";
import { invalidRequest } from "../errors/app-error.ts";
import { StackRecord } from "../stacks/stack-record.ts";
import type { TtlCommands } from "../stacks/ttl-extensions.ts";
import { json } from "./errors.ts";
import { errorAnswers } from "./model.ts";
import { readBodyText } from "./read-body.ts";
import { servedByMacro } from "./served-by.ts";

export const extendModel = {
  body: Type.Object(
    {
      ttl: Type.Optional(
        Type.String({
          description: "how long the stack may live from now, in Go syntax; STACK_TTL when left out",
          examples: ["30m"],
        }),
      ),
    },
    { additionalProperties: true },
  ),
  params: Type.Object({ stack_id: Type.String({ description: "the stack's id" }) }),
  record: StackRecord,
} as const;

/** Longer than any Go duration needs ("-2562047h47m16.854775808s" is 25); a longer ttl is refused unread. */
const maxTtlLength = 64;

/** The ttl of an extend body in milliseconds (undefined when left out), or a precise 400. */
export function ttlOfBody(text: string): number | undefined {
  if (text.trim() === "") return undefined;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    throw invalidRequest(`invalid request body: ${(error as Error).message}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw invalidRequest("invalid request body: expected a JSON object");
  const ttl = (body as { ttl?: unknown }).ttl;
  if (ttl === undefined) return undefined;
  if (typeof ttl !== "string")
    throw invalidRequest('invalid request body: ttl must be a duration such as "30m"');
  if (ttl.length > maxTtlLength)
    throw invalidRequest(
      `invalid request body: ttl must be at most ${maxTtlLength} characters, got ${ttl.length}`,
    );
  let ms: number;
  try {
    ms = parseGoDuration(ttl);
  } catch (error) {
    if (error instanceof DurationError && error.outOfRange)
      throw invalidRequest(`invalid request body: ttl must be at most ${maxGoDurationText}, got "${ttl}"`);
    throw invalidRequest(`invalid request body: ttl must be a duration such as "30m", got "${ttl}"`);
  }
  if (!(ms >= 1000)) throw invalidRequest(`invalid request body: ttl must be at least 1s, got "${ttl}"`);
  return Math.round(ms);
}

/** `POST /stacks/{id}/extend`: lets a creating or running stack live longer, within the operator's limits. */
export function extendRoutes({ ttl, maxBodyBytes }: { ttl: TtlCommands; maxBodyBytes: number }) {
  return new Elysia({ name: "extend" })
    .use(servedByMacro)
    .parser("extendBody", async ({ request }) => ({
      ttlMs: ttlOfBody(await readBodyText(request, maxBodyBytes)),
    }))
    .post(
      "/stacks/:stack_id/extend",
      async ({ params, body }) => {
        const { ttlMs } = body as unknown as { ttlMs: number | undefined };
        return json(await ttl.extend(params.stack_id, ttlMs));
      },
      {
        parse: "extendBody",
        servedBy: "leader",
        params: extendModel.params,
        response: { 200: extendModel.record, ...errorAnswers(400, 401, 404, 409, 500, 503) },
        detail: {
          summary:
            "Extend a stack's TTL: it then expires `ttl` from now (never earlier than before), within STACK_MAX_LIFETIME and STACK_RENEW_WINDOW",
          tags: ["stacks"],
          requestBody: {
            required: false,
            content: { "application/json": { schema: extendModel.body as never } },
          },
        },
      },
    );
}

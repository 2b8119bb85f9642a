import { type Static, Type } from "@sinclair/typebox";
import { type ValueError, ValueErrorType } from "@sinclair/typebox/value";
import { Elysia } from "elysia";
import { DurationError, maxGoDurationText, parseGoDuration } from "../config/duration.ts";
import { type AppError, invalidRequest } from "../errors/app-error.ts";
import { StackRecord } from "../stacks/stack-record.ts";
import type { TtlCommands } from "../stacks/ttl-extensions.ts";
import { json } from "./errors.ts";
import { errorAnswers } from "./model.ts";
import { parseJsonBody, readBodyText } from "./read-body.ts";
import { servedByMacro } from "./served-by.ts";
import { checkedBy } from "./strict-schema.ts";

/** Longer than any Go duration needs ("-2562047h47m16.854775808s" is 25); a longer ttl is refused unread. */
const maxTtlLength = 64;

export const extendModel = {
  body: Type.Object(
    {
      ttl: Type.Optional(
        Type.String({
          maxLength: maxTtlLength,
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

const invalidBody = (reason: string) => invalidRequest(`invalid request body: ${reason}`);

/** The contract's 400 for TypeBox's first error in an extend body (`extendModel.body`). */
export function extendBodyRefusal({ path, type, value }: ValueError): AppError {
  if (path === "") return invalidBody("expected a JSON object");
  if (type === ValueErrorType.StringMaxLength)
    return invalidBody(`ttl must be at most ${maxTtlLength} characters, got ${(value as string).length}`);
  return invalidBody('ttl must be a duration such as "30m"');
}

/** A checked body's ttl in milliseconds (undefined when left out): Go syntax, at least 1s, or a precise 400. */
export function ttlMsOf(ttl: string | undefined): number | undefined {
  if (ttl === undefined) return undefined;
  let ms: number;
  try {
    ms = parseGoDuration(ttl);
  } catch (error) {
    if (error instanceof DurationError && error.outOfRange)
      throw invalidBody(`ttl must be at most ${maxGoDurationText}, got "${ttl}"`);
    throw invalidBody(`ttl must be a duration such as "30m", got "${ttl}"`);
  }
  if (!(ms >= 1000)) throw invalidBody(`ttl must be at least 1s, got "${ttl}"`);
  return Math.round(ms);
}

/** `POST /stacks/{id}/extend`: lets a creating or running stack live longer, within the operator's limits. */
export function extendRoutes({ ttl, maxBodyBytes }: { ttl: TtlCommands; maxBodyBytes: number }) {
  return (
    new Elysia({ name: "extend" })
      .use(servedByMacro)
      // The body is optional (none is STACK_TTL), which a route's `body` cannot say in the OpenAPI
      // document, so the parser checks it against its schema and `detail` documents it.
      .parser("extendBody", async ({ request }) => {
        const text = await readBodyText(request, maxBodyBytes);
        return checkedBy(extendModel.body, extendBodyRefusal, text.trim() === "" ? {} : parseJsonBody(text));
      })
      .post(
        "/stacks/:stack_id/extend",
        async ({ params, body }) => {
          const checked = body as Static<typeof extendModel.body>;
          return json(await ttl.extend(params.stack_id, ttlMsOf(checked.ttl)));
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
      )
  );
}

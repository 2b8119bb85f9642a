import { Elysia } from "elysia";
import { AppError, errorCodes, internalError, stackNotFound, unauthorized } from "../errors/app-error.ts";
import type { ChangeFeed } from "../live/change-feed.ts";
import type { Logger } from "../log/logger.ts";
import type { StackRegistry } from "../stacks/stack-registry.ts";
import { stackStatusView } from "../stacks/stack-view.ts";
import { createApiKeyCheck, presentedApiKey } from "./auth.ts";
import { parseCreateRequest } from "./create-request.ts";
import { liveRoutes } from "./live.routes.ts";
import { readBodyText } from "./read-body.ts";

export interface AppOptions {
  registry: StackRegistry;
  logger: Logger;
  apiKeyEnabled: boolean;
  apiKey: string;
  maxBodyBytes: number;
  live: { feed: ChangeFeed; heartbeatMs: number; maxBufferedBytes: number };
}

const json = (body: unknown, status = 200) =>
  new Response(typeof body === "string" ? body : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });

/** Renders any error as `{"error": ...}`: AppErrors with their status, anything else as a logged 500. */
export function errorResponse(error: unknown, logger: Logger): Response {
  if (error instanceof AppError) {
    if (error.status >= 500 && error.code === "INTERNAL")
      logger.error("internal error", { error: error.cause ?? error });
    return json({ error: error.message }, error.status);
  }
  logger.error("unexpected error", { error });
  return json({ error: internalError(error).message }, errorCodes.INTERNAL);
}

/** The REST API of the contract, as one Elysia instance. */
export function createApp(options: AppOptions) {
  const { registry, logger } = options;
  const keyMatches = createApiKeyCheck(options.apiKey);

  return new Elysia()
    .onRequest(({ request }) => {
      if (options.apiKeyEnabled && !keyMatches(presentedApiKey(request)))
        return errorResponse(unauthorized(), logger);
    })
    .onError(({ code, error }) => {
      if (code === "NOT_FOUND") return json({ error: "not found" }, 404);
      if (code === "PARSE" || code === "VALIDATION") return json({ error: "invalid request body" }, 400);
      return errorResponse(error, logger);
    })
    .use(liveRoutes({ ...options.live, logger }))
    .get("/healthz", () => json({ status: "ok" }))
    .get("/stats", () => json(registry.stats()))
    .get("/stacks", () => json(registry.listJson()))
    .post(
      "/stacks",
      async ({ request }) => {
        const stackRequest = parseCreateRequest(await readBodyText(request, options.maxBodyBytes));
        return json(await registry.create(stackRequest), 201);
      },
      { parse: "none" },
    )
    .get("/stacks/:stack_id", ({ params }) => {
      const body = registry.getJson(params.stack_id);
      if (!body) throw stackNotFound();
      return json(body);
    })
    .get("/stacks/:stack_id/status", ({ params }) => {
      const view = registry.get(params.stack_id);
      if (!view) throw stackNotFound();
      return json(stackStatusView(view));
    })
    .delete("/stacks/:stack_id", async ({ params }) => {
      await registry.delete(params.stack_id);
      return json({ deleted: true, stack_id: params.stack_id });
    });
}

import { Elysia } from "elysia";
import dashboardBundle from "../dashboard/dashboard.html" with { type: "text" };
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

// Imported as text (and so embedded by `bun build --compile`); bun-types only knows HTML imports as bundles.
const dashboardHtml = dashboardBundle as unknown as string;

/** The dashboard page holds no data (it asks for the key and then uses the API), so it needs no key. */
const isDashboardPage = (request: Request) =>
  request.method === "GET" && new URL(request.url).pathname.replace(/\/$/, "") === "/dashboard";

const dashboardHeaders = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy":
    "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self' ws: wss:",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

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
      if (isDashboardPage(request)) return;
      if (options.apiKeyEnabled && !keyMatches(presentedApiKey(request))) {
        return errorResponse(unauthorized(), logger);
      }
    })
    .onError(({ code, error }) => {
      if (code === "NOT_FOUND") return json({ error: "not found" }, 404);
      if (code === "PARSE") return json({ error: "invalid request body" }, 400);
      if (code === "VALIDATION") {
        const problem = (error as { valueError?: { path?: string; message?: string } }).valueError;
        const detail = problem
          ? `: ${problem.path?.replace(/^\//, "") ?? ""} ${problem.message ?? ""}`.trimEnd()
          : "";
        return json({ error: `invalid request${detail}` }, 400);
      }
      return errorResponse(error, logger);
    })
    .use(liveRoutes({ ...options.live, logger }))
    .get("/dashboard", () => new Response(dashboardHtml, { headers: dashboardHeaders }))
    .get("/healthz", () => json({ status: "ok" }))
    .get("/stats", () => json(registry.stats()))
    .get(
      "/stacks",
      () => new Response(registry.listBytes(), { headers: { "content-type": "application/json" } }),
    )
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

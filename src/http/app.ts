import { openapi } from "@elysiajs/openapi";
import { Elysia } from "elysia";
import type { Registry } from "prom-client";
import { AppError, invalidRequest, unauthorized } from "../errors/app-error.ts";
import type { BatchDeleteJobs } from "../jobs/batch-deletes.ts";
import type { KeyRing } from "../keys/key-ring.ts";
import { type ForwardingSignatures, forwardingHeaders } from "../leadership/forwarding-signature.ts";
import type { LeadershipStatus } from "../leadership/leadership-role.ts";
import type { ChangeFeed } from "../live/change-feed.ts";
import type { Logger } from "../log/logger.ts";
import type { PodPolicy } from "../podspec/pod-policy.ts";
import type { ReadinessCheck } from "../stacks/readiness.ts";
import type { StackCommands } from "../stacks/stack-service.ts";
import type { TtlCommands } from "../stacks/ttl-extensions.ts";
import { createAccessLog } from "./access-log.ts";
import { presentedApiKey } from "./auth.ts";
import { batchDeleteRoutes } from "./batch-delete.routes.ts";
import { type ConsoleRoutesOptions, consoleRoutes } from "./console.routes.ts";
import { dashboardPublicPaths, dashboardRoutes } from "./dashboard.routes.ts";
import { errorResponse, renderError } from "./errors.ts";
import { extendRoutes } from "./extend.routes.ts";
import { healthRoutes } from "./health.routes.ts";
import { startingResponse } from "./listen.ts";
import { liveRoutes } from "./live.routes.ts";
import { metricsRoutes } from "./metrics.routes.ts";
import { liveMessageComponents } from "./model.ts";
import { apiDescription, liveStreamOperation } from "./openapi-document.ts";
import { openapiUiPublicPaths, openapiUiRoutes, openapiUiScript, openapiUiStyle } from "./openapi-ui.ts";
import { readBodyBytes } from "./read-body.ts";
import { withRequestId } from "./request-id.ts";
import { leaderRoutes } from "./served-by.ts";
import { type StackQueries, stackRoutes } from "./stacks.routes.ts";

export interface AppOptions {
  commands: StackCommands;
  queries: StackQueries;
  /** The per-stack env values of a stack's Pod, for `GET /stacks/{id}?include=env`. */
  stackEnv?: (stackId: string) => Record<string, string> | null;
  logger: Logger;
  /** The keys the API accepts; null turns auth off (API_KEY_ENABLED=false). */
  keys: KeyRing | null;
  maxBodyBytes: number;
  podPolicy?: PodPolicy;
  /** A stack's Pod Events and logs, and the nodes view; route tests without them leave them out. */
  console?: ConsoleRoutesOptions;
  /** `POST /stacks/{id}/extend`; route tests without it leave it out. */
  ttl?: TtlCommands;
  /** `POST /stacks/batch-delete` and its jobs; route tests without them leave them out. */
  batchDeletes?: BatchDeleteJobs;
  /** The live stream; route tests without one leave it out. */
  live?: {
    feed: ChangeFeed;
    heartbeatMs: number;
    maxBufferedBytes: number;
    onSlowClientDropped?: () => void;
  };
  readiness?: () => ReadinessCheck[];
  /** This replica's leadership role for `/readyz`; absent in route tests. */
  leadership?: () => LeadershipStatus;
  /**
   * For a route declared `servedBy: "leader"`, on a replica that does not lead: sends the request to the
   * leader and answers with its response (undefined when this replica handles it).
   */
  forwardWrite?: (request: Request) => Promise<Response | undefined>;
  /**
   * Checks the signature of requests that claim to come from another replica. Without it (no leader
   * election) every request carrying a forwarding header is refused.
   */
  forwarding?: Pick<ForwardingSignatures, "verify">;
  /** Prometheus metrics at /metrics, and whether they need the API key (default: no). */
  metrics?: { registry: Registry; requireKey: boolean };
  /** True while stackd starts: every request but `/livez` is answered 503 with Retry-After. */
  starting?: () => boolean;
}

/** Paths that hold no data and so need no key: the dashboard (it asks for the key), the API description, probes. */
const publicPaths = new Set([
  ...dashboardPublicPaths,
  ...openapiUiPublicPaths,
  "/openapi",
  "/openapi/json",
  "/livez",
  "/readyz",
]);

const pathOf = (request: Request) => new URL(request.url).pathname.replace(/\/$/, "");

/**
 * Undefined when the request is not forwarded, or forwarded and signed by a replica; else the refusal:
 * 400, or 503 while this replica cannot check signatures yet.
 */
async function refusedForwarding(
  request: Request,
  forwarding: AppOptions["forwarding"],
  maxBodyBytes: number,
): Promise<Error | undefined> {
  if (!forwardingHeaders.some((name) => request.headers.has(name))) return undefined;
  if (!forwarding) return invalidRequest("forwarding headers are only accepted between replicas");
  const url = new URL(request.url);
  const verification = forwarding.verify({
    method: request.method,
    pathAndQuery: `${url.pathname}${url.search}`,
    headers: request.headers,
    // A clone: the route reads the request's own body.
    body: await readBodyBytes(request.clone(), maxBodyBytes),
  });
  if (verification.verdict === "refused") return invalidRequest(verification.reason);
  if (verification.verdict === "no key")
    return new AppError("LEADER_UNAVAILABLE", "this replica cannot check forwarded requests yet, retry");
  return undefined;
}

/** The whole HTTP edge: key check, the contract's error bodies, the feature modules and the OpenAPI document. */
export function createApp(options: AppOptions) {
  const { logger } = options;
  const access = createAccessLog(logger);
  /** Built on the first request, from the routes' own `servedBy` declarations. */
  let servedByLeader: ((method: string, path: string) => boolean) | undefined;
  const forwarded = async (request: Request, path: string): Promise<Response | undefined> => {
    const refusal = await refusedForwarding(request, options.forwarding, options.maxBodyBytes).catch(
      (error: unknown) => error,
    );
    if (refusal) return access.refused(request, errorResponse(refusal, logger));
    servedByLeader ??= leaderRoutes(app.routes);
    if (!options.forwardWrite || !servedByLeader(request.method, path)) return undefined;
    const answer = await options.forwardWrite(request);
    return answer ? access.refused(request, answer) : undefined;
  };
  const app = new Elysia()
    // Around everything below, so that the id is on every log line and every answer, early refusals too.
    .wrap((handle) => withRequestId(handle as never))
    .onRequest(({ request }) => {
      access.start(request);
      if (options.starting?.() && pathOf(request) !== "/livez")
        return access.refused(request, startingResponse());
    })
    .onRequest(({ request }) => {
      const path = request.method === "GET" ? pathOf(request) : "";
      if (publicPaths.has(path) || (path === "/metrics" && !options.metrics?.requireKey)) return;
      if (options.keys) {
        const keyName = options.keys.match(presentedApiKey(request));
        if (keyName === null) return access.refused(request, errorResponse(unauthorized(), logger));
        access.authenticated(request, keyName);
      }
      return forwarded(request, pathOf(request));
    })
    .onError((context) => access.answered(context.request, renderError(context, logger)))
    .onAfterResponse((context) => access.finish(context as never))
    .use(
      openapi({
        path: "/openapi",
        provider: "swagger-ui",
        // The UI comes from stackd itself, never a CDN: the page works offline and its version is pinned.
        swagger: { cdn: openapiUiScript, theme: openapiUiStyle, validatorUrl: "none" },
        documentation: {
          info: { title: "stackd", version: "1.1.0", description: apiDescription },
          tags: [
            { name: "stacks", description: "The contract's stack routes" },
            { name: "live", description: "The live stream of stack changes" },
            { name: "health", description: "Liveness" },
            { name: "ui", description: "Pages for people" },
          ],
          components: {
            schemas: liveMessageComponents as never,
            securitySchemes: {
              apiKeyHeader: { type: "apiKey", in: "header", name: "X-API-KEY" },
              apiKeyQuery: { type: "apiKey", in: "query", name: "api_key" },
            },
          },
          security: [{ apiKeyHeader: [] }, { apiKeyQuery: [] }],
          paths: { "/ws/stacks": liveStreamOperation },
        },
      }),
    )
    .use(
      healthRoutes({
        ...(options.readiness ? { readiness: options.readiness } : {}),
        ...(options.leadership ? { leadership: options.leadership } : {}),
      }),
    )
    .use(openapiUiRoutes())
    .use(dashboardRoutes())
    .use(stackRoutes(options))
    .use(options.ttl ? extendRoutes({ ttl: options.ttl, maxBodyBytes: options.maxBodyBytes }) : new Elysia())
    .use(
      options.batchDeletes
        ? batchDeleteRoutes({ jobs: options.batchDeletes, maxBodyBytes: options.maxBodyBytes })
        : new Elysia(),
    )
    .use(options.console ? consoleRoutes(options.console) : new Elysia())
    .use(options.metrics ? metricsRoutes(options.metrics.registry) : new Elysia());
  return options.live ? app.use(liveRoutes({ ...options.live, logger })) : app;
}

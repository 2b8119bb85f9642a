import { AppError, errorCodes, internalError } from "../errors/app-error.ts";
import type { Logger } from "../log/logger.ts";
import type { RefusalIssue } from "./strict-schema.ts";

/** A JSON answer; a string body is sent as it is (already-encoded JSON). */
export const json = (body: unknown, status = 200) =>
  new Response(typeof body === "string" ? body : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });

/** What a 503 asks clients to wait before they try again. */
export const retryAfterSeconds = 1;

/**
 * Renders any error as `{"error": ...}`: AppErrors with their status (and their own fields after
 * `error`), anything else as a logged 500.
 */
export function errorResponse(error: unknown, logger: Logger): Response {
  if (error instanceof AppError) {
    if (error.status >= 500 && error.code === "INTERNAL")
      logger.error("internal error", { error: error.cause ?? error });
    const answer = json(
      error.fields ? { error: error.message, ...error.fields } : { error: error.message },
      error.status,
    );
    // Every 503 is worth retrying (Kubernetes, the database, the ports or the leader were unavailable).
    if (error.status === 503) answer.headers.set("retry-after", String(retryAfterSeconds));
    return answer;
  }
  logger.error("unexpected error", { error });
  return json({ error: internalError(error).message }, errorCodes.INTERNAL);
}

interface ElysiaError {
  code: unknown;
  error: unknown;
}

/**
 * Elysia's own errors in the contract's shape: unknown paths 404 `not found`, a strict schema's refusal
 * as it is, other schema failures 400 with the first problem named, everything else through `errorResponse`.
 */
export function renderError({ code, error }: ElysiaError, logger: Logger): Response {
  if (code === "NOT_FOUND") return json({ error: "not found" }, 404);
  if (code === "PARSE") {
    // A parser's own refusal (an AppError with the contract's message) arrives wrapped as the cause.
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof AppError
      ? errorResponse(cause, logger)
      : json({ error: "invalid request body" }, 400);
  }
  if (code === "VALIDATION") {
    const refusal = (error as { valueError?: Partial<RefusalIssue> }).valueError?.refusal;
    if (refusal instanceof AppError) return errorResponse(refusal, logger);
    const problem = error as {
      type?: string;
      value?: unknown;
      valueError?: { path?: string; message?: string };
    };
    const first = problem.valueError;
    const detail = first ? `: ${first.path?.replace(/^\//, "") ?? ""} ${first.message ?? ""}`.trimEnd() : "";
    return json({ error: `invalid request${detail}` }, 400);
  }
  return errorResponse(error, logger);
}

import { AppError, errorCodes, internalError, invalidRequest } from "../errors/app-error.ts";
import type { Logger } from "../log/logger.ts";

/** A JSON answer; a string body is sent as it is (already-encoded JSON). */
export const json = (body: unknown, status = 200) =>
  new Response(typeof body === "string" ? body : JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });

/** What a 503 asks clients to wait before they try again. */
export const retryAfterSeconds = 1;

/** Renders any error as `{"error": ...}`: AppErrors with their status, anything else as a logged 500. */
export function errorResponse(error: unknown, logger: Logger): Response {
  if (error instanceof AppError) {
    if (error.status >= 500 && error.code === "INTERNAL")
      logger.error("internal error", { error: error.cause ?? error });
    const answer = json({ error: error.message }, error.status);
    // Every 503 is worth retrying (Kubernetes, the database, the ports or the leader were unavailable).
    if (error.status === 503) answer.headers.set("retry-after", String(retryAfterSeconds));
    return answer;
  }
  logger.error("unexpected error", { error });
  return json({ error: internalError(error).message }, errorCodes.INTERNAL);
}

/** The first problem of a `POST /stacks` body, worded as the contract's clients expect it. */
function describeCreateBodyProblem(body: unknown): string {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "expected a JSON object";
  const record = body as Record<string, unknown>;
  if (!("target_port" in record)) return "target_port is required";
  if (!("pod_spec" in record)) return "pod_spec is required";
  if (typeof record.target_port !== "number" || !Number.isInteger(record.target_port)) {
    return "target_port must be an integer";
  }
  if (typeof record.pod_spec !== "string") return "pod_spec must be a string";
  return "does not match the schema";
}

/** The 400 for a `POST /stacks` body that does not match its schema. */
export const invalidCreateBody = (body: unknown) =>
  invalidRequest(`invalid request body: ${describeCreateBodyProblem(body)}`);

interface ElysiaError {
  code: unknown;
  error: unknown;
}

/**
 * Elysia's own errors in the contract's shape: unknown paths 404 `not found`, schema failures 400
 * with the first problem named, everything else through `errorResponse`.
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

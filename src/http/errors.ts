import { AppError, errorCodes, internalError, invalidRequest } from "../errors/app-error.ts";
import type { Logger } from "../log/logger.ts";
import { maxExposedPorts } from "../podspec/sanitize-pod-spec.ts";

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

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const isStringMap = (value: unknown) =>
  isObject(value) && Object.values(value).every((entry) => typeof entry === "string");

/** The first problem of one entry of the v1.2 `target_port` list. */
function describePortEntry(entry: unknown, path: string): string | undefined {
  if (!isObject(entry)) return `${path} must be an object with container_port and protocol`;
  if (typeof entry.container_port !== "number" || !Number.isInteger(entry.container_port))
    return `${path}.container_port must be an integer`;
  if (!("protocol" in entry)) return `${path}.protocol is required`;
  if (entry.protocol !== "TCP" && entry.protocol !== "UDP") return `${path}.protocol must be "TCP" or "UDP"`;
  const extra = Object.keys(entry).find((key) => key !== "container_port" && key !== "protocol");
  return extra === undefined ? undefined : `${path}.${extra} is not allowed`;
}

function describePortList(list: unknown[]): string | undefined {
  if (list.length < 1 || list.length > maxExposedPorts)
    return `target_port must list 1 to ${maxExposedPorts} ports, got ${list.length}`;
  for (const [index, entry] of list.entries()) {
    const problem = describePortEntry(entry, `target_port[${index}]`);
    if (problem) return problem;
  }
  return undefined;
}

/** The first problem of a `POST /stacks` body, worded as the contract's clients expect it. */
function describeCreateBodyProblem(body: unknown): string {
  if (!isObject(body)) return "expected a JSON object";
  if (!("target_port" in body)) return "target_port is required";
  if (!("pod_spec" in body)) return "pod_spec is required";
  if (Array.isArray(body.target_port)) {
    const problem = describePortList(body.target_port);
    if (problem) return problem;
  } else if (typeof body.target_port !== "number" || !Number.isInteger(body.target_port)) {
    return "target_port must be an integer";
  }
  if (typeof body.pod_spec !== "string") return "pod_spec must be a string";
  if ("labels" in body && !isStringMap(body.labels)) return "labels must be an object of strings";
  if ("env" in body && !isStringMap(body.env)) return "env must be an object of strings";
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

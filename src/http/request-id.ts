import { randomUUID } from "node:crypto";
import { contextLogFields, withLogFields } from "../log/log-context.ts";

/** The header a client (or a replica forwarding a write) names its request with, echoed on every answer. */
export const requestIdHeader = "x-request-id";

/** Visible ASCII only (no spaces, no control characters), at most 128 characters. */
const acceptedRequestId = /^[\x21-\x7e]{1,128}$/;

/** The request's own id when it is acceptable, else a fresh UUID (a bad one is replaced, never refused). */
export function requestIdOf(request: Request): string {
  const presented = request.headers.get(requestIdHeader);
  return presented !== null && acceptedRequestId.test(presented) ? presented : randomUUID();
}

/** The id of the request being served now, or undefined outside a request. */
export function currentRequestId(): string | undefined {
  const id = contextLogFields()?.requestId;
  return typeof id === "string" ? id : undefined;
}

/** The answer with `x-request-id` set; a copy when its headers are immutable (a fetched response). */
function echoed(answer: unknown, id: string): unknown {
  if (!(answer instanceof Response)) return answer;
  try {
    answer.headers.set(requestIdHeader, id);
    return answer;
  } catch {
    const copy = new Response(answer.body, answer);
    copy.headers.set(requestIdHeader, id);
    return copy;
  }
}

type Handle = (request: Request, ...rest: unknown[]) => unknown;

/**
 * Wraps the app's whole request handling (Elysia's `wrap`): every log line written while serving the
 * request carries its id as `requestId`, and every answer, refusals and errors included, echoes it.
 */
export function withRequestId(handle: Handle): Handle {
  return (request, ...rest) => {
    const id = requestIdOf(request);
    const answer = withLogFields({ requestId: id }, () => handle(request, ...rest));
    return answer instanceof Promise ? answer.then((settled) => echoed(settled, id)) : echoed(answer, id);
  };
}

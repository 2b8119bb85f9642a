import type { Logger } from "../log/logger.ts";

/**
 * One access line per request: method, route (the template, so ids do not explode cardinality),
 * status, duration, the stack id and the name of the key that authenticated it (never the key). The query
 * string is never logged: it may carry `api_key`.
 */
export function createAccessLog(logger: Logger) {
  const started = new WeakMap<Request, number>();
  const errorStatus = new WeakMap<Request, number>();
  const keyNames = new WeakMap<Request, string>();
  const keyNameOf = (request: Request) => {
    const keyName = keyNames.get(request);
    return keyName === undefined ? {} : { keyName };
  };
  const http = logger.child({ component: "http" });
  return {
    /** Called first for every request. */
    start(request: Request): void {
      started.set(request, performance.now());
    },
    /** The request presented the key with this name. */
    authenticated(request: Request, keyName: string): void {
      keyNames.set(request, keyName);
    },
    /** The status an error handler or an early refusal answered with. */
    answered(request: Request, response: Response): Response {
      errorStatus.set(request, response.status);
      return response;
    },
    /** A request answered before routing (a wrong key, a forwarded write): Elysia runs no after-response hook for it. */
    refused(request: Request, response: Response): Response {
      const begin = started.get(request) ?? performance.now();
      const path = new URL(request.url).pathname.replace(/\/stacks\/[^/]+/, "/stacks/:stack_id");
      http.info("request", {
        method: request.method,
        route: path,
        status: response.status,
        durationMs: Math.round((performance.now() - begin) * 100) / 100,
        ...keyNameOf(request),
      });
      return response;
    },
    /** Called once the response is sent. */
    finish(context: {
      request: Request;
      route?: string;
      params?: Record<string, string | undefined>;
      set: { status?: number | string };
      responseValue?: unknown;
    }): void {
      const { request } = context;
      const status =
        errorStatus.get(request) ??
        (context.responseValue instanceof Response
          ? context.responseValue.status
          : Number(context.set.status ?? 200));
      const begin = started.get(request);
      const stackId = context.params?.stack_id;
      http.info("request", {
        method: request.method,
        route: context.route ?? "(no route)",
        status,
        durationMs: begin === undefined ? undefined : Math.round((performance.now() - begin) * 100) / 100,
        ...(stackId ? { stackId } : {}),
        ...keyNameOf(request),
      });
    },
  };
}

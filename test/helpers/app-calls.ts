import type { createApp } from "../../src/http/app.ts";

// biome-ignore lint/suspicious/noExplicitAny: answers are asserted field by field in tests.
export type AppAnswer = { status: number; body: any };

/** Calls an app in process (`app.handle`) with the API key: the status and the parsed JSON body, if any. */
export function appCaller(app: Pick<ReturnType<typeof createApp>, "handle">, key: string) {
  return async (method: string, path: string, body?: string): Promise<AppAnswer> => {
    const init: RequestInit = {
      method,
      headers: { "x-api-key": key },
      ...(body === undefined ? {} : { body }),
    };
    const response = await app.handle(new Request(`http://localhost${path}`, init));
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };
}

/** An API answer: its status and its JSON body (`undefined` when the body was not JSON). */
export interface ApiAnswer {
  status: number;
  // biome-ignore lint/suspicious/noExplicitAny: bodies are read field by field, each checked where it is used.
  body: any;
}

/** Calls stackd's REST API with the key; never throws for an HTTP status, only for a network failure. */
export class ApiClient {
  readonly key: string;

  constructor(key: string) {
    this.key = key;
  }

  async call(method: string, path: string, body?: unknown): Promise<ApiAnswer> {
    const response = await fetch(path, {
      method,
      headers: { "X-API-KEY": this.key, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text === "" ? undefined : JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed };
  }
}

/** True when the server has no such route at all (an older stackd): its 404 says `not found`, not `stack not found`. */
export const routeMissing = (answer: ApiAnswer) =>
  answer.status === 404 && answer.body?.error === "not found";

/** The API's `{"error": ...}` message, or the status when the body has none. */
export const errorText = (answer: ApiAnswer) =>
  typeof answer.body?.error === "string" ? answer.body.error : `stackd answered ${answer.status}`;

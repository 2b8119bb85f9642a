import { Value } from "@sinclair/typebox/value";
import { LiveMessage, type LiveMessageType } from "../../src/live/messages.ts";

/** A live-stream client for tests: collects every message and checks it against the documented schema. */
export class LiveClient {
  readonly messages: LiveMessageType[] = [];
  readonly invalid: unknown[] = [];
  closed: { code: number; reason: string } | undefined;
  errored = false;
  readonly socket: WebSocket;
  #opened: Promise<boolean>;

  constructor(url: string, headers: Record<string, string> = {}) {
    this.socket = new WebSocket(url, { headers } as never);
    this.#opened = new Promise((resolve) => {
      this.socket.addEventListener("open", () => resolve(true));
      this.socket.addEventListener("close", () => resolve(false));
    });
    this.socket.addEventListener("message", (event) => {
      const message = JSON.parse(String(event.data)) as LiveMessageType;
      const schema = LiveMessage[message.type as keyof typeof LiveMessage];
      if (!schema || !Value.Check(schema, message)) this.invalid.push(message);
      this.messages.push(message);
    });
    this.socket.addEventListener("error", () => {
      this.errored = true;
    });
    this.socket.addEventListener("close", (event) => {
      this.closed = { code: event.code, reason: event.reason };
    });
  }

  opened(): Promise<boolean> {
    return this.#opened;
  }

  changes() {
    return this.messages.filter((message) => message.type === "change");
  }

  async waitFor<T>(what: string, check: () => T | undefined, timeoutMs = 30_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const value = check();
      if (value !== undefined) return value;
      await Bun.sleep(20);
    }
    throw new Error(`timed out waiting for ${what}; got ${this.messages.length} messages`);
  }

  close(): void {
    this.socket.close();
  }
}

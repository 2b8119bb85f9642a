import type { Logger } from "../log/logger.ts";
import { isExpired, KubeApiError, type KubeStatus, toKubeApiError } from "./errors.ts";
import type { KubeTransport } from "./transport.ts";

export interface WatchedObject {
  metadata?: { name?: string; namespace?: string; resourceVersion?: string; uid?: string };
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

export type WatchState = "idle" | "listing" | "watching" | "backoff" | "stopped";

/** What a watch says about itself, so that a silent stop can never go unnoticed. */
export interface WatchHealth {
  state: WatchState;
  resourceVersion: string | undefined;
  /** Completed lists: 1 after start, +1 for each relist after a 410 or a failed resume. */
  lists: number;
  /** Watch requests opened (first one included). */
  connects: number;
  lastEventAt: Date | undefined;
  lastError: KubeApiError | undefined;
  /** Consecutive failures since the last successful connection. */
  failures: number;
}

export interface WatchHandlers<T> {
  /** The complete current set after every (re)list; consumers reconcile against it (level-based). */
  onSync(items: T[]): void;
  /** One change, in the order the API server sent it. */
  onEvent(type: WatchEventType, object: T): void;
  /** Called on every health change (state, error, relist). */
  onHealth?(health: WatchHealth): void;
}

export interface WatchOptions<T> {
  transport: KubeTransport;
  /** Collection path, e.g. `/api/v1/namespaces/stacks/pods` or `/api/v1/nodes`. */
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  handlers: WatchHandlers<T>;
  logger: Logger;
  backoff?: { initialMs: number; maxMs: number };
  /**
   * Abort a stream that has been silent this long (default 30 s). The API server ends each watch after
   * `watchTimeoutSeconds` (20-25 s by default) and stackd resumes it, so a live connection is never
   * silent that long, and a dead one (an API server that stopped answering) is noticed within 30 s.
   */
  silenceTimeoutMs?: number;
  /** Server-side timeout of each watch request, so connections are renewed now and then. */
  watchTimeoutSeconds?: number;
  /** Resume from this resourceVersion instead of listing first (mainly for tests of expiry). */
  resourceVersion?: string;
  /**
   * A list of this collection (same path and selectors) that was already read: delivered as the first
   * sync, and watched from its resourceVersion, instead of listing again. Later relists list as usual.
   */
  initialList?: InitialList<T>;
}

/** A collection's items and the resourceVersion of the list that returned them. */
export interface InitialList<T> {
  items: T[];
  resourceVersion: string;
}

/** One list of a collection as plain JSON: its items and the resourceVersion to watch from. */
export async function listCollection<T>(
  transport: KubeTransport,
  path: string,
  query: Record<string, string | undefined> = {},
): Promise<InitialList<T>> {
  const list = await transport.send<{ items: T[]; metadata: { resourceVersion: string } }>("GET", path, {
    query,
  });
  return { items: list.items, resourceVersion: list.metadata.resourceVersion };
}

interface RawWatchEvent {
  type: WatchEventType | "BOOKMARK" | "ERROR";
  object: unknown;
}

class ExpiredResourceVersion extends Error {}

/**
 * List-then-watch of one collection over KubeTransport: streamed events, resume from the last
 * resourceVersion, bookmarks, relist on 410 Expired/Gone, reconnect with capped exponential backoff.
 */
export class ResourceWatch<T extends WatchedObject> {
  #options: WatchOptions<T>;
  #health: WatchHealth = {
    state: "idle",
    resourceVersion: undefined,
    lists: 0,
    connects: 0,
    lastEventAt: undefined,
    lastError: undefined,
    failures: 0,
  };
  #abort: AbortController | undefined;
  #stopped = false;
  #loop: Promise<void> | undefined;
  #synced: Promise<void>;
  #resolveSynced!: () => void;
  #initialList: InitialList<T> | undefined;

  constructor(options: WatchOptions<T>) {
    this.#options = options;
    this.#initialList = options.initialList;
    this.#health.resourceVersion = options.resourceVersion;
    this.#synced = new Promise((resolve) => {
      this.#resolveSynced = resolve;
    });
  }

  /** Starts the loop; resolves once the first list has been delivered (it retries until then). */
  start(): Promise<void> {
    this.#loop ??= this.#run();
    return this.#health.resourceVersion && this.#health.lists === 0 ? Promise.resolve() : this.#synced;
  }

  /** Stops the loop and closes the stream; resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#abort?.abort();
    await this.#loop;
    this.#update({ state: "stopped" });
  }

  health(): WatchHealth {
    return { ...this.#health };
  }

  /** The collection this watch follows. */
  get path(): string {
    return this.#options.path;
  }

  async #run(): Promise<void> {
    const { initialMs, maxMs } = this.#options.backoff ?? { initialMs: 250, maxMs: 15_000 };
    while (!this.#stopped) {
      try {
        if (!this.#health.resourceVersion) await this.#list();
        await this.#watchOnce();
      } catch (error) {
        if (this.#stopped) break;
        if (error instanceof ExpiredResourceVersion) {
          this.#options.logger.info("watch resourceVersion expired; relisting", { path: this.#options.path });
          this.#update({ resourceVersion: undefined });
          continue;
        }
        const failure = toKubeApiError(error);
        const failures = this.#health.failures + 1;
        const delay = Math.min(maxMs, initialMs * 2 ** (failures - 1)) * (0.8 + Math.random() * 0.4);
        this.#options.logger.warn("watch failed; retrying", {
          path: this.#options.path,
          error: failure.message,
          status: failure.status,
          retryInMs: Math.round(delay),
        });
        this.#update({ state: "backoff", lastError: failure, failures });
        await this.#sleep(delay);
      }
    }
  }

  #selectorQuery() {
    return {
      labelSelector: this.#options.labelSelector,
      fieldSelector: this.#options.fieldSelector,
    };
  }

  async #list(): Promise<void> {
    this.#update({ state: "listing" });
    const seed = this.#initialList;
    this.#initialList = undefined;
    const { items, resourceVersion } =
      seed ?? (await listCollection<T>(this.#options.transport, this.#options.path, this.#selectorQuery()));
    this.#options.handlers.onSync(items);
    this.#update({ resourceVersion, lists: this.#health.lists + 1 });
    this.#resolveSynced();
  }

  async #watchOnce(): Promise<void> {
    const abort = new AbortController();
    this.#abort = abort;
    const response = await this.#options.transport.request("GET", this.#options.path, {
      query: {
        ...this.#selectorQuery(),
        watch: true,
        allowWatchBookmarks: true,
        resourceVersion: this.#health.resourceVersion,
        timeoutSeconds: this.#options.watchTimeoutSeconds ?? 20 + Math.floor(Math.random() * 6),
      },
      signal: abort.signal,
      stream: true,
    });
    if (response.status === 410) {
      abort.abort();
      throw new ExpiredResourceVersion();
    }
    if (!response.ok || !response.body)
      throw KubeApiError.fromResponse(response.status, await response.text());
    this.#update({
      state: "watching",
      connects: this.#health.connects + 1,
      failures: 0,
      lastError: undefined,
    });
    try {
      await this.#consume(response.body, abort);
    } finally {
      // Never leave a half-read stream to the connection pool: the next request could hang on it.
      abort.abort();
    }
  }

  async #consume(body: ReadableStream<Uint8Array>, abort: AbortController): Promise<void> {
    const silenceMs = this.#options.silenceTimeoutMs ?? 30_000;
    let watchdog = setTimeout(() => abort.abort(), silenceMs);
    const decoder = new TextDecoder();
    let buffered = "";
    try {
      const reader = body.getReader();
      for (;;) {
        const { done, value: chunk } = await reader.read();
        if (done) break;
        clearTimeout(watchdog);
        watchdog = setTimeout(() => abort.abort(), silenceMs);
        buffered += decoder.decode(chunk, { stream: true });
        let newline = buffered.indexOf("\n");
        while (newline >= 0) {
          const line = buffered.slice(0, newline).trim();
          buffered = buffered.slice(newline + 1);
          if (line) this.#handleLine(line);
          newline = buffered.indexOf("\n");
        }
      }
    } catch (error) {
      if (abort.signal.aborted && !this.#stopped) {
        throw new KubeApiError(
          0,
          "WatchSilent",
          `watch of ${this.#options.path} was silent for ${silenceMs} ms`,
        );
      }
      throw error;
    } finally {
      clearTimeout(watchdog);
    }
  }

  #handleLine(line: string): void {
    const event = JSON.parse(line) as RawWatchEvent;
    if (event.type === "ERROR") {
      const error = KubeApiError.fromStatus(event.object as KubeStatus);
      if (isExpired(error)) throw new ExpiredResourceVersion();
      throw error;
    }
    const object = event.object as T;
    const resourceVersion = object.metadata?.resourceVersion;
    if (event.type !== "BOOKMARK") this.#options.handlers.onEvent(event.type, object);
    this.#health.resourceVersion = resourceVersion ?? this.#health.resourceVersion;
    this.#health.lastEventAt = new Date();
  }

  #update(change: Partial<WatchHealth>): void {
    Object.assign(this.#health, change);
    this.#options.handlers.onHealth?.(this.health());
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#abort = new AbortController();
      this.#abort.signal.addEventListener("abort", () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

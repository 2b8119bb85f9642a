import type { KubeTransport } from "../src/kube/transport.ts";
import { ResourceWatch, type WatchEventType, type WatchedObject } from "../src/kube/watch.ts";
import { silentLogger } from "../src/log/logger.ts";

/** Whether one watch event shows the object in the state a benchmark waits for. */
export type WaitCondition<T> = (type: WatchEventType, object: T) => boolean;

/**
 * One watch of a collection that remembers when each named condition first held for each object (by
 * name), so that a benchmark can wait for "bound", "Ready" or "deleted" with one watch for all objects.
 * A condition that held before anyone waited for it is remembered, so no event is missed.
 */
export class ObjectWaits<T extends WatchedObject, C extends string> {
  readonly #conditions: Array<[C, WaitCondition<T>]>;
  readonly #reachedAt = new Map<string, number>();
  readonly #waiters = new Map<string, () => void>();
  readonly #watch: ResourceWatch<T>;

  constructor(options: {
    transport: KubeTransport;
    /** Collection path, e.g. `/api/v1/namespaces/x/pods`. */
    path: string;
    labelSelector: string;
    conditions: Record<C, WaitCondition<T>>;
  }) {
    this.#conditions = Object.entries(options.conditions) as Array<[C, WaitCondition<T>]>;
    this.#watch = new ResourceWatch<T>({
      transport: options.transport,
      path: options.path,
      labelSelector: options.labelSelector,
      logger: silentLogger,
      handlers: {
        onSync: (items) => {
          for (const item of items) this.#observe("ADDED", item);
        },
        onEvent: (type, object) => this.#observe(type, object),
      },
    });
  }

  /** Resolves once the first list is in. */
  start(): Promise<void> {
    return this.#watch.start();
  }

  stop(): Promise<void> {
    return this.#watch.stop();
  }

  /** When (performance.now()) `condition` first held for `name`, if it has. */
  reachedAt(condition: C, name: string): number | undefined {
    return this.#reachedAt.get(`${condition}/${name}`);
  }

  /** Waits until `condition` holds for `name`; answers when it first held. Rejects after `timeoutMs`. */
  async until(condition: C, name: string, timeoutMs = 120_000): Promise<number> {
    const key = `${condition}/${name}`;
    const known = this.#reachedAt.get(key);
    if (known !== undefined) return known;
    let timer: Timer | undefined;
    try {
      await new Promise<void>((resolve, reject) => {
        this.#waiters.set(key, resolve);
        timer = setTimeout(
          () => reject(new Error(`${name}: not ${condition} within ${timeoutMs / 1000} s`)),
          timeoutMs,
        );
      });
    } finally {
      clearTimeout(timer);
      this.#waiters.delete(key);
    }
    return this.#reachedAt.get(key) ?? Number.NaN;
  }

  #observe(type: WatchEventType, object: T): void {
    const name = object.metadata?.name ?? "";
    const now = performance.now();
    for (const [condition, holds] of this.#conditions) {
      const key = `${condition}/${name}`;
      if (this.#reachedAt.has(key) || !holds(type, object)) continue;
      this.#reachedAt.set(key, now);
      this.#waiters.get(key)?.();
    }
  }
}

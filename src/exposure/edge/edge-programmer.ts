import type { Logger } from "../../log/logger.ts";
import type { DesiredRoutes } from "./desired-routes.ts";
import { EdgeInstance, type EdgeRuntimeApi } from "./edge-instance.ts";
import { isEdgeHostname, isRouteTarget, type RouteTarget } from "./edge-route.ts";
import { HaproxyRuntimeApi } from "./haproxy-runtime-api.ts";

export interface EdgeProgrammerOptions {
  routes: DesiredRoutes;
  /** One runtime API per HAProxy (`host:port` or `unix:/path`); each gets the whole table. */
  apiAddresses: string[];
  /** The map's name in the runtime API: its file path as the configuration names it. */
  mapName: string;
  log: Logger;
  /**
   * Wait after a change before writing; default 0: a change is written on the next turn of the event
   * loop, and the changes made while a write is in flight go together in the next one (a fixed wait of
   * 50 ms was most of a new stack's time to running and of a deleted one's time to unrouted).
   */
  batchIntervalMs?: number;
  /** Most hostnames written per batch; default 500. A replay writes the whole table at once. */
  maxBatchSize?: number;
  /** How often an idle instance checks HAProxy's pid and compares its map; default 5000 ms. */
  verifyIntervalMs?: number;
  /** Backoff after a failure: from `retryMinMs` (100), doubling up to `retryMaxMs` (5000). */
  retryMinMs?: number;
  retryMaxMs?: number;
  /** Runtime API per address; tests give fakes. */
  connect?: (address: string) => EdgeRuntimeApi;
  now?: () => number;
}

/** One instance's loop: never two syncs at once, one timer at a time. */
interface InstanceLoop {
  instance: EdgeInstance;
  timer: ReturnType<typeof setTimeout> | undefined;
  dueAt: number;
  running: Promise<void> | undefined;
  dirty: boolean;
  failures: number;
}

/**
 * Keeps every edge HAProxy's map equal to the desired routes, level-based: on a change it writes the
 * differences (after `batchIntervalMs`, if set) in batches; when idle it checks each HAProxy every
 * `verifyIntervalMs` and replays the whole table atomically after a restart or any drift. Failures are
 * logged and retried with backoff; nothing is thrown out of its loop.
 */
export class EdgeProgrammer {
  readonly #routes: DesiredRoutes;
  readonly #mapName: string;
  readonly #log: Logger;
  readonly #batchIntervalMs: number;
  readonly #maxBatchSize: number;
  readonly #verifyIntervalMs: number;
  readonly #retryMinMs: number;
  readonly #retryMaxMs: number;
  readonly #loops: InstanceLoop[];
  readonly #listeners = new Set<(hostnames: string[]) => void>();
  readonly #warnedInvalid = new Set<string>();
  #unsubscribe: (() => void) | undefined;
  #stopped = false;

  constructor(options: EdgeProgrammerOptions) {
    this.#routes = options.routes;
    this.#mapName = options.mapName;
    this.#log = options.log.child({ component: "edge-programmer" });
    this.#batchIntervalMs = options.batchIntervalMs ?? 0;
    this.#maxBatchSize = options.maxBatchSize ?? 500;
    this.#verifyIntervalMs = options.verifyIntervalMs ?? 5000;
    this.#retryMinMs = options.retryMinMs ?? 100;
    this.#retryMaxMs = options.retryMaxMs ?? 5000;
    const connect = options.connect ?? ((address: string) => new HaproxyRuntimeApi({ address }));
    const now = options.now ?? Date.now;
    this.#loops = options.apiAddresses.map((address) => ({
      instance: new EdgeInstance({
        api: connect(address),
        map: options.mapName,
        verifyIntervalMs: this.#verifyIntervalMs,
        now,
        log: this.#log.child({ address }),
      }),
      timer: undefined,
      dueAt: Number.POSITIVE_INFINITY,
      running: undefined,
      dirty: false,
      failures: 0,
    }));
  }

  /** Starts following the routes: the first sync of each HAProxy replays the whole table. */
  start(): void {
    if (this.#unsubscribe || this.#stopped) return;
    this.#unsubscribe = this.#routes.onChange(() => {
      for (const loop of this.#loops) this.#schedule(loop, this.#batchIntervalMs);
    });
    for (const loop of this.#loops) this.#schedule(loop, 0);
  }

  /** Stops: no timer is left and no write starts after the returned promise settles. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unsubscribe?.();
    for (const loop of this.#loops) clearTimeout(loop.timer);
    await Promise.all(this.#loops.map((loop) => loop.running));
  }

  /** Whether every HAProxy holds `hostname` → `address:port`. */
  isRouted(hostname: string, address: string, port: number): boolean {
    return this.#loops.every((loop) => loop.instance.routes(hostname, { address, port }));
  }

  /** Calls `listener` with the hostnames whose current entry has just reached every HAProxy. */
  onApplied(listener: (hostnames: string[]) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Arms the loop's timer for `delayMs` from now, unless it is due sooner or a sync is running. */
  #schedule(loop: InstanceLoop, delayMs: number): void {
    if (this.#stopped) return;
    if (loop.running) {
      loop.dirty = true;
      return;
    }
    const dueAt = Date.now() + delayMs;
    if (loop.timer !== undefined && loop.dueAt <= dueAt) return;
    clearTimeout(loop.timer);
    loop.dueAt = dueAt;
    loop.timer = setTimeout(() => {
      loop.timer = undefined;
      loop.dueAt = Number.POSITIVE_INFINITY;
      loop.running = this.#run(loop).finally(() => {
        loop.running = undefined;
        this.#schedule(loop, this.#nextDelay(loop));
      });
    }, delayMs);
  }

  #nextDelay(loop: InstanceLoop): number {
    if (loop.failures > 0) return Math.min(this.#retryMaxMs, this.#retryMinMs * 2 ** (loop.failures - 1));
    if (loop.dirty) return 0;
    return this.#verifyIntervalMs;
  }

  async #run(loop: InstanceLoop): Promise<void> {
    loop.dirty = false;
    try {
      const outcome = await loop.instance.sync(this.#desired(), this.#maxBatchSize);
      if (loop.failures > 0)
        this.#log.info("HAProxy's runtime API answers again", { address: loop.instance.address });
      loop.failures = 0;
      loop.dirty ||= outcome.remaining;
      this.#notify(outcome.written);
    } catch (error) {
      loop.failures += 1;
      loop.instance.distrust();
      this.#log.warn("writing HAProxy's map failed; retrying", {
        address: loop.instance.address,
        map: this.#mapName,
        failures: loop.failures,
        error,
      });
    }
  }

  /** The desired routes that can go into the map; each invalid one is logged once and left out. */
  #desired(): ReadonlyMap<string, RouteTarget> {
    const all = this.#routes.entries();
    let valid: Map<string, RouteTarget> | undefined;
    for (const [hostname, target] of all) {
      if (isEdgeHostname(hostname) && isRouteTarget(target)) continue;
      valid ??= new Map(all);
      valid.delete(hostname);
      if (this.#warnedInvalid.has(hostname)) continue;
      this.#warnedInvalid.add(hostname);
      this.#log.error("route left out of the edge: invalid hostname or target", { hostname, target });
    }
    return valid ?? all;
  }

  #notify(written: string[]): void {
    if (written.length === 0 || this.#listeners.size === 0) return;
    const desired = this.#routes.entries();
    const routed = written.filter((hostname) => {
      const target = desired.get(hostname);
      return target !== undefined && this.isRouted(hostname, target.address, target.port);
    });
    if (routed.length === 0) return;
    for (const listener of this.#listeners) {
      try {
        listener(routed);
      } catch (error) {
        this.#log.error("an onApplied listener threw", { error });
      }
    }
  }
}

import type { Logger } from "../../log/logger.ts";
import { formatRouteValue, parseRouteValue, type RouteTarget } from "./edge-route.ts";
import type { HaproxyInfo, HaproxyRuntimeApi } from "./haproxy-runtime-api.ts";
import { diffRoutes, sameTarget } from "./route-diff.ts";

/** The runtime API calls the edge needs; HaproxyRuntimeApi, or a fake in unit tests. */
export type EdgeRuntimeApi = Pick<
  HaproxyRuntimeApi,
  "address" | "showInfo" | "showMap" | "addMapEntries" | "delMapEntries" | "replaceMap"
>;

/** What one sync did: the hostnames whose entry it wrote, and whether differences remain. */
export interface SyncOutcome {
  written: string[];
  remaining: boolean;
}

/** A restart shows as another pid, or a start time that moved by more than this (uptime is in seconds). */
const startTimeSlackMs = 2500;

/**
 * One HAProxy: the map entries stackd believes it holds, kept in step with the desired table. Each
 * sync first asks `show info` (a restart empties the map: then the whole table is replayed), now and
 * then compares `show map` with its belief, and otherwise writes one batch of differences.
 */
export class EdgeInstance {
  readonly address: string;
  readonly #api: EdgeRuntimeApi;
  readonly #map: string;
  readonly #verifyIntervalMs: number;
  readonly #now: () => number;
  readonly #log: Logger;
  readonly #applied = new Map<string, RouteTarget>();
  #trusted = false;
  #process: HaproxyInfo | undefined;
  #verifiedAt = 0;

  constructor(options: {
    api: EdgeRuntimeApi;
    map: string;
    verifyIntervalMs: number;
    now: () => number;
    log: Logger;
  }) {
    this.address = options.api.address;
    this.#api = options.api;
    this.#map = options.map;
    this.#verifyIntervalMs = options.verifyIntervalMs;
    this.#now = options.now;
    this.#log = options.log;
  }

  /** Whether this HAProxy holds `hostname` → `target`, as far as stackd knows. */
  routes(hostname: string, target: RouteTarget): boolean {
    return sameTarget(this.#applied.get(hostname), target);
  }

  /** Forgets what it believed: the next sync replays the whole table (after a failed write). */
  distrust(): void {
    this.#trusted = false;
  }

  /** One step toward `desired`; throws the runtime API's error (the caller retries). */
  async sync(desired: ReadonlyMap<string, RouteTarget>, maxBatch: number): Promise<SyncOutcome> {
    await this.#checkProcess();
    if (this.#trusted && this.#now() - this.#verifiedAt >= this.#verifyIntervalMs) await this.#verifyMap();
    if (!this.#trusted) return this.#replay(desired);
    const diff = diffRoutes(desired, this.#applied, maxBatch);
    if (diff.removals.length + diff.upserts.length === 0) return { written: [], remaining: false };
    this.#trusted = false;
    // `add map` on a key it holds adds a second entry (the first wins): a changed key goes first. A new
    // key is not in a map this instance trusts, so a new stack costs one write, not two.
    const changed = diff.upserts
      .map(([hostname]) => hostname)
      .filter((hostname) => this.#applied.has(hostname));
    const deleted = [...diff.removals, ...changed];
    if (deleted.length > 0) await this.#api.delMapEntries(this.#map, deleted);
    for (const hostname of deleted) this.#applied.delete(hostname);
    await this.#api.addMapEntries(
      this.#map,
      diff.upserts.map(([hostname, target]) => ({ key: hostname, value: formatRouteValue(target) })),
    );
    for (const [hostname, target] of diff.upserts) this.#applied.set(hostname, target);
    this.#trusted = true;
    return { written: diff.upserts.map(([hostname]) => hostname), remaining: diff.truncated };
  }

  async #checkProcess(): Promise<void> {
    const info = await this.#api.showInfo();
    const previous = this.#process;
    this.#process = info;
    if (!previous) return;
    if (info.pid !== previous.pid || Math.abs(info.startedAtMs - previous.startedAtMs) > startTimeSlackMs) {
      this.#log.warn("HAProxy restarted: replaying the whole map", {
        previousPid: previous.pid,
        pid: info.pid,
        uptimeSec: info.uptimeSec,
      });
      this.#applied.clear();
      this.#trusted = false;
    }
  }

  async #verifyMap(): Promise<void> {
    const shown = await this.#api.showMap(this.#map);
    this.#verifiedAt = this.#now();
    const keys = new Set(shown.map((entry) => entry.key));
    const matches =
      shown.length === this.#applied.size &&
      keys.size === shown.length &&
      shown.every((entry) => sameTarget(parseRouteValue(entry.value), this.#applied.get(entry.key)));
    if (matches) return;
    this.#log.warn("HAProxy's map differs from what stackd wrote: replaying the whole map", {
      entries: shown.length,
      expected: this.#applied.size,
    });
    this.#trusted = false;
  }

  async #replay(desired: ReadonlyMap<string, RouteTarget>): Promise<SyncOutcome> {
    const table = new Map(desired);
    await this.#api.replaceMap(
      this.#map,
      [...table].map(([hostname, target]) => ({ key: hostname, value: formatRouteValue(target) })),
    );
    this.#applied.clear();
    for (const [hostname, target] of table) this.#applied.set(hostname, target);
    this.#trusted = true;
    this.#verifiedAt = this.#now();
    this.#log.info("HAProxy's map replaced with the whole table", { entries: table.size });
    return { written: [...table.keys()], remaining: false };
  }
}

import { afterEach, describe, expect, it } from "bun:test";
import { RouteTable } from "../../../src/exposure/edge/desired-routes.ts";
import type { EdgeRuntimeApi } from "../../../src/exposure/edge/edge-instance.ts";
import { EdgeProgrammer, type EdgeProgrammerOptions } from "../../../src/exposure/edge/edge-programmer.ts";
import type { HaproxyInfo, MapEntry } from "../../../src/exposure/edge/haproxy-runtime-api.ts";
import { RuntimeApiError } from "../../../src/exposure/edge/runtime-api-errors.ts";
import { createLogger } from "../../../src/log/logger.ts";
import { eventually } from "../../helpers/cluster.ts";

/** A runtime API in memory: one map, a pid and start time a test can change, every call recorded. */
class FakeRuntimeApi implements EdgeRuntimeApi {
  readonly address = "fake:1";
  readonly map = new Map<string, string>();
  readonly calls: string[] = [];
  pid = 100;
  startedAtMs = Date.now() - 60_000;
  down = false;

  #call(name: string) {
    this.calls.push(name);
    if (this.down) throw new RuntimeApiError("EDGE_UNREACHABLE", { address: this.address, command: name });
  }
  async showInfo(): Promise<HaproxyInfo> {
    this.#call("showInfo");
    const uptimeSec = Math.floor((Date.now() - this.startedAtMs) / 1000);
    return { version: "2.6", pid: this.pid, uptimeSec, startedAtMs: this.startedAtMs };
  }
  async showMap(): Promise<MapEntry[]> {
    this.#call("showMap");
    return [...this.map].map(([key, value]) => ({ key, value }));
  }
  async addMapEntries(_map: string, entries: Iterable<MapEntry>): Promise<void> {
    this.#call("addMapEntries");
    for (const entry of entries) this.map.set(entry.key, entry.value);
  }
  async delMapEntries(_map: string, keys: Iterable<string>): Promise<void> {
    this.#call("delMapEntries");
    for (const key of keys) this.map.delete(key);
  }
  async replaceMap(_map: string, entries: Iterable<MapEntry>): Promise<void> {
    this.#call("replaceMap");
    this.map.clear();
    for (const entry of entries) this.map.set(entry.key, entry.value);
  }
  /** A restart: a new process with the map file's (empty) content. */
  restart(pid = this.pid + 1) {
    this.pid = pid;
    this.startedAtMs = Date.now();
    this.map.clear();
  }
  count(name: string) {
    return this.calls.filter((call) => call === name).length;
  }
}

const programmers: EdgeProgrammer[] = [];
afterEach(async () => {
  await Promise.all(programmers.splice(0).map((programmer) => programmer.stop()));
});

function started(apis: FakeRuntimeApi[], options: Partial<EdgeProgrammerOptions> = {}) {
  const routes = new RouteTable();
  const logs: Array<Record<string, unknown>> = [];
  const byAddress = new Map(apis.map((api, index) => [`fake:${index}`, api]));
  const programmer = new EdgeProgrammer({
    routes,
    apiAddresses: [...byAddress.keys()],
    mapName: "/edge.map",
    log: createLogger({ level: "info", write: (line) => logs.push(JSON.parse(line)) }),
    batchIntervalMs: 5,
    verifyIntervalMs: 30,
    retryMinMs: 5,
    retryMaxMs: 20,
    connect: (address) => byAddress.get(address) as FakeRuntimeApi,
    ...options,
  });
  programmers.push(programmer);
  programmer.start();
  return { routes, programmer, logs };
}

const target = (index: number) => ({ address: "10.0.0.1", port: 1000 + index });
const host = (index: number) => `s${index}.inst.test`;

describe("EdgeProgrammer", () => {
  it("replays the whole table first, then writes many changes made together as one batch", async () => {
    const api = new FakeRuntimeApi();
    const { routes, programmer } = started([api]);
    await eventually("the first replay", async () => (api.count("replaceMap") === 1 ? true : undefined));
    for (let index = 0; index < 100; index += 1) routes.set(host(index), target(index));
    await eventually("100 routes", async () => (api.map.size === 100 ? true : undefined));
    expect(api.count("addMapEntries")).toBe(1);
    expect(programmer.isRouted(host(7), "10.0.0.1", 1007)).toBe(true);
    expect(api.map.get(host(7))).toBe("10.0.0.1/1007");
  });

  it("writes a new hostname with one add, and deletes first only a hostname whose target changed or went", async () => {
    const api = new FakeRuntimeApi();
    const { routes } = started([api]);
    await eventually("the first replay", async () => (api.count("replaceMap") === 1 ? true : undefined));
    routes.set(host(1), target(1));
    await eventually("the new route", async () => (api.map.size === 1 ? true : undefined));
    expect(api.count("delMapEntries")).toBe(0);
    routes.set(host(1), target(2));
    await eventually("the moved route", async () =>
      api.map.get(host(1)) === "10.0.0.1/1002" ? true : undefined,
    );
    expect(api.count("delMapEntries")).toBe(1);
    routes.delete(host(1));
    await eventually("the route gone", async () => (api.map.size === 0 ? true : undefined));
    expect(api.count("delMapEntries")).toBe(2);
  });

  it("cuts a burst into batches of maxBatchSize and tells onApplied each batch's hostnames", async () => {
    const api = new FakeRuntimeApi();
    const { routes, programmer } = started([api], { maxBatchSize: 10 });
    await eventually("the first replay", async () => (api.count("replaceMap") === 1 ? true : undefined));
    const applied: string[][] = [];
    programmer.onApplied((hostnames) => applied.push(hostnames));
    for (let index = 0; index < 35; index += 1) routes.set(host(index), target(index));
    await eventually("35 routes", async () => (api.map.size === 35 ? true : undefined));
    expect(applied.map((batch) => batch.length)).toEqual([10, 10, 10, 5]);
    expect(applied.flat().sort()).toEqual(Array.from({ length: 35 }, (_, index) => host(index)).sort());
  });

  it("replays the table when HAProxy's pid changes", async () => {
    const api = new FakeRuntimeApi();
    const { routes, programmer, logs } = started([api]);
    routes.set(host(1), target(1));
    await eventually("routed", async () =>
      programmer.isRouted(host(1), "10.0.0.1", 1001) ? true : undefined,
    );
    api.restart();
    await eventually("replayed", async () => (api.map.get(host(1)) ? true : undefined));
    expect(logs.some((log) => log.msg === "HAProxy restarted: replaying the whole map")).toBe(true);
  });

  it("replays the table when the same pid started again (a new container), from its uptime", async () => {
    const api = new FakeRuntimeApi();
    const { routes, programmer } = started([api]);
    routes.set(host(1), target(1));
    await eventually("routed", async () =>
      programmer.isRouted(host(1), "10.0.0.1", 1001) ? true : undefined,
    );
    api.restart(api.pid);
    await eventually("replayed", async () => (api.map.get(host(1)) ? true : undefined));
  });

  it("replays the table when HAProxy's map drifted from what it wrote", async () => {
    const api = new FakeRuntimeApi();
    const { routes, programmer } = started([api]);
    routes.set(host(1), target(1));
    await eventually("routed", async () =>
      programmer.isRouted(host(1), "10.0.0.1", 1001) ? true : undefined,
    );
    api.map.set("intruder.inst.test", "10.9.9.9/1");
    api.map.set(host(1), "10.9.9.9/1");
    await eventually("repaired", async () =>
      api.map.size === 1 && api.map.get(host(1)) === "10.0.0.1/1001" ? true : undefined,
    );
  });

  it("retries with backoff while HAProxy is down, never throwing, then catches up", async () => {
    const api = new FakeRuntimeApi();
    api.down = true;
    const { routes, programmer, logs } = started([api]);
    routes.set(host(1), target(1));
    await eventually("four failures", async () => (api.count("showInfo") >= 4 ? true : undefined));
    expect(programmer.isRouted(host(1), "10.0.0.1", 1001)).toBe(false);
    const failures = logs.filter((log) => log.msg === "writing HAProxy's map failed; retrying");
    expect(failures.map((log) => log.failures).slice(0, 3)).toEqual([1, 2, 3]);
    expect(failures[0]?.error).toMatchObject({ name: "RuntimeApiError" });
    api.down = false;
    await eventually("routed", async () =>
      programmer.isRouted(host(1), "10.0.0.1", 1001) ? true : undefined,
    );
  });

  it("leaves an invalid route out, logging it once, and routes the rest", async () => {
    const api = new FakeRuntimeApi();
    const { routes, programmer, logs } = started([api]);
    routes.set("Bad;Host", target(1));
    routes.set(host(2), { address: "not-an-ip", port: 1 });
    routes.set(host(3), target(3));
    await eventually("routed", async () =>
      programmer.isRouted(host(3), "10.0.0.1", 1003) ? true : undefined,
    );
    routes.set(host(4), target(4));
    await eventually("routed", async () =>
      programmer.isRouted(host(4), "10.0.0.1", 1004) ? true : undefined,
    );
    expect([...api.map.keys()].sort()).toEqual([host(3), host(4)]);
    expect(logs.filter((log) => log.level === "error").map((log) => log.hostname)).toEqual([
      "Bad;Host",
      host(2),
    ]);
  });

  it("keeps going when an onApplied listener throws", async () => {
    const api = new FakeRuntimeApi();
    const { routes, programmer, logs } = started([api]);
    programmer.onApplied(() => {
      throw new Error("listener bug");
    });
    routes.set(host(1), target(1));
    await eventually("routed", async () =>
      programmer.isRouted(host(1), "10.0.0.1", 1001) ? true : undefined,
    );
    routes.set(host(2), target(2));
    await eventually("routed", async () =>
      programmer.isRouted(host(2), "10.0.0.1", 1002) ? true : undefined,
    );
    expect(logs.some((log) => log.msg === "an onApplied listener threw")).toBe(true);
  });

  it("calls nothing after stop(), whatever changes come", async () => {
    const api = new FakeRuntimeApi();
    const { routes, programmer } = started([api], { verifyIntervalMs: 5 });
    await eventually("the first replay", async () => (api.count("replaceMap") === 1 ? true : undefined));
    await programmer.stop();
    const callsAtStop = api.calls.length;
    routes.set(host(1), target(1));
    await Bun.sleep(50); // several verify intervals and batch delays: none may fire
    expect(api.calls.length).toBe(callsAtStop);
  });
});

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { RouteTable } from "../src/exposure/edge/desired-routes.ts";
import { EdgeProgrammer } from "../src/exposure/edge/edge-programmer.ts";
import { HaproxyRuntimeApi, type MapEntry } from "../src/exposure/edge/haproxy-runtime-api.ts";
import { silentLogger } from "../src/log/logger.ts";
import { wildcardCertificate } from "../test/helpers/edge-tls.ts";
import { edgeHaproxy } from "../test/helpers/haproxy.ts";
import { round, summarise } from "./stats.ts";

/**
 * How fast the edge's map takes a burst of BENCH_EDGE_BURST (500) new stacks, end to end: from the
 * routes being set until `show map` (polled every 1 ms on its own connection) holds them all; through
 * the EdgeProgrammer (default batch size, and batches of 50), and with the bare runtime API: one
 * `add map` per connection, one `<<` payload call, and an atomic prepare/commit replace (also of
 * 10,000 entries). BENCH_EDGE_ROUNDS rounds (5) each. Needs no cluster; runs the cached Debian HAProxy
 * (tools/haproxy.sh). Prints a table; writes bench/results/edge-map-rate.json.
 *
 *   tools/bun.sh bench/edge-map-rate.ts
 */
const repo = resolve(import.meta.dir, "..");
const burst = Number(process.env.BENCH_EDGE_BURST ?? 500);
const rounds = Number(process.env.BENCH_EDGE_ROUNDS ?? 5);
const log = (message: string) =>
  console.error(`[bench:edge ${new Date().toISOString().slice(11, 19)}] ${message}`);

const dir = mkdtempSync(join(tmpdir(), "stackd-bench-edge-"));
const edge = edgeHaproxy(dir, wildcardCertificate(dir).pemPath);
await edge.start();
const api = new HaproxyRuntimeApi({ address: edge.tcpAddress, timeoutMs: 10_000 });
const observer = new HaproxyRuntimeApi({ address: edge.tcpAddress, timeoutMs: 10_000 });

const entriesOf = (count: number, round: number): MapEntry[] =>
  Array.from({ length: count }, (_, index) => ({
    key: `r${round}-s${index}.inst.stackd.test`,
    value: `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}/${1024 + (index % 60000)}`,
  }));

/** Ms from `start()` until `show map` holds every key of `entries` (and the time `start` itself took). */
async function untilShown(entries: MapEntry[], start: () => Promise<void>) {
  const wanted = new Set(entries.map((entry) => entry.key));
  const began = performance.now();
  const started = start();
  for (;;) {
    const shown = await observer.showMap(edge.mapPath);
    if (shown.filter((entry) => wanted.has(entry.key)).length === wanted.size) break;
    await Bun.sleep(1);
  }
  await started;
  return performance.now() - began;
}

interface Row {
  method: string;
  entries: number;
  ms: number[];
}
const rows: Row[] = [];

async function measure(method: string, count: number, run: (entries: MapEntry[]) => Promise<void>) {
  const row: Row = { method, entries: count, ms: [] };
  for (let index = 0; index < rounds; index += 1) {
    await api.replaceMap(edge.mapPath, []);
    const entries = entriesOf(count, index);
    row.ms.push(await untilShown(entries, () => run(entries)));
  }
  rows.push(row);
  log(`${method}: p50 ${summarise(row.ms).p50} ms`);
}

/** Programmer rounds: started and past its first replay (one warm-up route) before the burst is set. */
async function measureProgrammer(maxBatchSize: number) {
  const row: Row = {
    method: `EdgeProgrammer (default batching, max ${maxBatchSize})`,
    entries: burst,
    ms: [],
  };
  for (let index = 0; index < rounds; index += 1) {
    await api.replaceMap(edge.mapPath, []);
    const routes = new RouteTable();
    routes.set("warm-up.inst.stackd.test", { address: "10.255.0.1", port: 1 });
    const programmer = new EdgeProgrammer({
      routes,
      apiAddresses: [edge.tcpAddress],
      mapName: edge.mapPath,
      log: silentLogger,
      maxBatchSize,
    });
    const seen = new Set<string>();
    let burstApplied = () => {};
    programmer.onApplied((hostnames) => {
      for (const hostname of hostnames) seen.add(hostname);
      if (seen.size === burst + 1) burstApplied();
    });
    programmer.start();
    while (!programmer.isRouted("warm-up.inst.stackd.test", "10.255.0.1", 1)) await Bun.sleep(1);
    const entries = entriesOf(burst, index);
    const ms = await untilShown(entries, async () => {
      const applied = new Promise<void>((done) => {
        burstApplied = done;
      });
      for (const entry of entries) {
        const [address, port] = entry.value.split("/");
        routes.set(entry.key, { address: address as string, port: Number(port) });
      }
      await applied;
    });
    row.ms.push(ms);
    await programmer.stop();
  }
  rows.push(row);
  log(`${row.method}: p50 ${summarise(row.ms).p50} ms`);
}

await measureProgrammer(500);
await measureProgrammer(50);
await measure("runtime API: one add map per connection", burst, async (entries) => {
  for (const entry of entries) await api.send(`add map ${edge.mapPath} ${entry.key} ${entry.value}`);
});
await measure("runtime API: add map << payloads (8000-char commands)", burst, (entries) =>
  api.addMapEntries(edge.mapPath, entries),
);
await measure("runtime API: prepare / add @ver / commit", burst, (entries) =>
  api.replaceMap(edge.mapPath, entries),
);
await measure("runtime API: prepare / add @ver / commit", 10_000, (entries) =>
  api.replaceMap(edge.mapPath, entries),
);

const info = await api.showInfo();
await edge.kill();
rmSync(dir, { recursive: true, force: true });

const table = rows.map((row) => {
  const summary = summarise(row.ms);
  return { ...row, summary, entriesPerSecond: round((row.entries / summary.p50) * 1000) };
});
console.log(`\nHAProxy ${info.version}, ${rounds} rounds each, until show map holds every entry`);
console.log("| method | entries | p50 | max | entries/s at p50 |");
console.log("| --- | ---: | ---: | ---: | ---: |");
for (const row of table) {
  console.log(
    `| ${row.method} | ${row.entries} | ${round(row.summary.p50)} ms | ${round(Math.max(...row.ms))} ms | ${row.entriesPerSecond} |`,
  );
}
mkdirSync(join(repo, "bench", "results"), { recursive: true });
writeFileSync(
  join(repo, "bench", "results", "edge-map-rate.json"),
  `${JSON.stringify({ date: new Date().toISOString(), haproxy: info.version, burst, rounds, rows: table }, null, 2)}\n`,
);
log("wrote bench/results/edge-map-rate.json");

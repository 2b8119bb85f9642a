import { afterAll, afterEach, beforeAll, describe, expect, it } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RouteTable } from "../../../src/exposure/edge/desired-routes.ts";
import { EdgeProgrammer, type EdgeProgrammerOptions } from "../../../src/exposure/edge/edge-programmer.ts";
import { HaproxyRuntimeApi } from "../../../src/exposure/edge/haproxy-runtime-api.ts";
import { createLogger, silentLogger } from "../../../src/log/logger.ts";
import { eventually } from "../../helpers/cluster.ts";
import {
  challengeServer,
  opensslFirstLine,
  tlsFirstLine,
  wildcardCertificate,
} from "../../helpers/edge-tls.ts";
import { type EdgeHaproxy, edgeHaproxy } from "../../helpers/haproxy.ts";

const dir = mkdtempSync(join(tmpdir(), "stackd-edge-programmer-"));
const certificate = wildcardCertificate(dir);
const host = (slug: string) => `${slug}.inst.stackd.test`;
let edge: EdgeHaproxy;
let challenge: ReturnType<typeof challengeServer>;
let other: ReturnType<typeof challengeServer>;
const programmers: EdgeProgrammer[] = [];

beforeAll(async () => {
  mkdirSync(join(dir, "a"));
  edge = edgeHaproxy(join(dir, "a"), certificate.pemPath);
  await edge.start();
  challenge = challengeServer("127.0.0.42", "challenge 42");
  other = challengeServer("127.0.0.43", "challenge 43");
});
afterEach(async () => {
  await Promise.all(programmers.splice(0).map((programmer) => programmer.stop()));
});
afterAll(async () => {
  challenge?.stop(true);
  other?.stop(true);
  await edge?.kill();
  rmSync(dir, { recursive: true, force: true });
});

/** A started programmer for `routes` on `addresses` (the edge's TCP runtime API by default), stopped after the test. */
function programmerFor(routes: RouteTable, options: Partial<EdgeProgrammerOptions> = {}) {
  const programmer = new EdgeProgrammer({
    routes,
    apiAddresses: [edge.tcpAddress],
    mapName: edge.mapPath,
    log: silentLogger,
    batchIntervalMs: 20,
    verifyIntervalMs: 200,
    retryMinMs: 50,
    retryMaxMs: 200,
    ...options,
  });
  programmers.push(programmer);
  programmer.start();
  return programmer;
}

const appliedOnce = (programmer: EdgeProgrammer, hostname: string) =>
  new Promise<void>((resolve) => {
    const unsubscribe = programmer.onApplied((hostnames) => {
      if (!hostnames.includes(hostname)) return;
      unsubscribe();
      resolve();
    });
  });

const shownMap = async () =>
  new Map(
    (await new HaproxyRuntimeApi({ address: edge.tcpAddress }).showMap(edge.mapPath)).map((e) => [
      e.key,
      e.value,
    ]),
  );

describe("EdgeProgrammer against a real HAProxy", () => {
  it("routes a player to the stack once onApplied named its hostname (openssl s_client and a Bun TLS client)", async () => {
    const routes = new RouteTable();
    const programmer = programmerFor(routes);
    const applied = appliedOnce(programmer, host("alpha"));
    routes.set(host("alpha"), { address: "127.0.0.42", port: challenge.port });
    await applied;
    expect(programmer.isRouted(host("alpha"), "127.0.0.42", challenge.port)).toBe(true);
    expect(programmer.isRouted(host("alpha"), "127.0.0.42", challenge.port + 1)).toBe(false);
    expect((await shownMap()).get(host("alpha"))).toBe(`127.0.0.42/${challenge.port}`);
    expect(await opensslFirstLine(edge.edgePort, host("alpha"), certificate.caPath)).toBe("challenge 42");
    expect(await tlsFirstLine(edge.edgePort, host("alpha"), certificate.ca)).toBe("challenge 42");
  });

  it("refuses a hostname the map does not hold", async () => {
    const routes = new RouteTable();
    const programmer = programmerFor(routes);
    const applied = appliedOnce(programmer, host("known"));
    routes.set(host("known"), { address: "127.0.0.42", port: challenge.port });
    await applied;
    expect(await tlsFirstLine(edge.edgePort, host("unknown"), certificate.ca)).toBe("");
    expect(await opensslFirstLine(edge.edgePort, host("unknown"), certificate.caPath)).toBe("");
  });

  it("stops routing a deleted hostname within 1 s, and moves a changed one to its new pod", async () => {
    const routes = new RouteTable();
    const programmer = programmerFor(routes);
    const applied = appliedOnce(programmer, host("gone"));
    routes.set(host("gone"), { address: "127.0.0.42", port: challenge.port });
    routes.set(host("moved"), { address: "127.0.0.42", port: challenge.port });
    await applied;
    const deletedAt = performance.now();
    routes.delete(host("gone"));
    await eventually(
      "the deleted hostname refused",
      async () =>
        (await tlsFirstLine(edge.edgePort, host("gone"), certificate.ca)) === "" ? true : undefined,
      1000,
    );
    expect(performance.now() - deletedAt).toBeLessThan(1000);
    expect(programmer.isRouted(host("gone"), "127.0.0.42", challenge.port)).toBe(false);

    const moved = appliedOnce(programmer, host("moved"));
    routes.set(host("moved"), { address: "127.0.0.43", port: other.port });
    await moved;
    expect(await tlsFirstLine(edge.edgePort, host("moved"), certificate.ca)).toBe("challenge 43");
    expect([...(await shownMap()).keys()].filter((key) => key === host("moved"))).toHaveLength(1);
  });

  it("replays the whole table after HAProxy is killed and started again", async () => {
    const routes = new RouteTable();
    const programmer = programmerFor(routes);
    const applied = appliedOnce(programmer, host("survivor"));
    routes.set(host("survivor"), { address: "127.0.0.42", port: challenge.port });
    await applied;
    await edge.kill();
    await edge.start();
    expect((await shownMap()).size).toBe(0);
    await eventually(
      "the route back after HAProxy's restart",
      async () => (await tlsFirstLine(edge.edgePort, host("survivor"), certificate.ca)) || undefined,
      5000,
    ).then((line) => expect(line).toBe("challenge 42"));
    expect(programmer.isRouted(host("survivor"), "127.0.0.42", challenge.port)).toBe(true);
  });

  it("replaces stale entries when a new programmer starts against a running HAProxy", async () => {
    const api = new HaproxyRuntimeApi({ address: edge.tcpAddress });
    await api.replaceMap(edge.mapPath, [
      { key: host("stale"), value: `127.0.0.42/${challenge.port}` },
      { key: host("kept"), value: "127.0.0.99/1" },
    ]);
    const routes = new RouteTable();
    routes.set(host("kept"), { address: "127.0.0.43", port: other.port });
    const programmer = programmerFor(routes);
    await eventually(
      "the table replayed",
      async () => (programmer.isRouted(host("kept"), "127.0.0.43", other.port) ? true : undefined),
      5000,
    );
    expect(await shownMap()).toEqual(new Map([[host("kept"), `127.0.0.43/${other.port}`]]));
    expect(await tlsFirstLine(edge.edgePort, host("stale"), certificate.ca)).toBe("");
  });

  it("keeps retrying while HAProxy is down and programs it once it answers", async () => {
    await edge.kill();
    const routes = new RouteTable();
    routes.set(host("patient"), { address: "127.0.0.42", port: challenge.port });
    const warnings: Array<{ msg: string; failures: number }> = [];
    const log = createLogger({ level: "warn", write: (line) => warnings.push(JSON.parse(line)) });
    const programmer = programmerFor(routes, { log });
    const applied = appliedOnce(programmer, host("patient"));
    await eventually("three failed attempts logged", async () =>
      warnings.filter((warning) => warning.msg === "writing HAProxy's map failed; retrying").length >= 3
        ? true
        : undefined,
    );
    expect(warnings.at(-1)?.failures).toBeGreaterThanOrEqual(3);
    expect(programmer.isRouted(host("patient"), "127.0.0.42", challenge.port)).toBe(false);
    await edge.start();
    await applied;
    expect(await tlsFirstLine(edge.edgePort, host("patient"), certificate.ca)).toBe("challenge 42");
  });
});

describe("EdgeProgrammer with two HAProxy processes (TCP and unix runtime APIs)", () => {
  let second: EdgeHaproxy;
  beforeAll(() => {
    mkdirSync(join(dir, "b"));
    second = edgeHaproxy(join(dir, "b"), certificate.pemPath, edge.mapPath);
  });
  afterAll(async () => {
    await second?.kill();
  });

  it("reports a hostname routed and applied only once every HAProxy holds it", async () => {
    const routes = new RouteTable();
    const programmer = programmerFor(routes, { apiAddresses: [edge.tcpAddress, second.unixAddress] });
    const applied = appliedOnce(programmer, host("both"));
    let appliedYet = false;
    void applied.then(() => {
      appliedYet = true;
    });
    routes.set(host("both"), { address: "127.0.0.42", port: challenge.port });
    await eventually("the first HAProxy routing", async () => (await shownMap()).get(host("both")), 5000);
    expect(await tlsFirstLine(edge.edgePort, host("both"), certificate.ca)).toBe("challenge 42");
    expect(programmer.isRouted(host("both"), "127.0.0.42", challenge.port)).toBe(false);
    expect(appliedYet).toBe(false);

    await second.start();
    await applied;
    expect(programmer.isRouted(host("both"), "127.0.0.42", challenge.port)).toBe(true);
    expect(await tlsFirstLine(second.edgePort, host("both"), certificate.ca)).toBe("challenge 42");
  });
});

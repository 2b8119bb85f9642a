import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkEdgeReady } from "../../../src/exposure/edge/edge-ready.ts";
import { HaproxyRuntimeApi, type MapEntry } from "../../../src/exposure/edge/haproxy-runtime-api.ts";
import { RuntimeApiError } from "../../../src/exposure/edge/runtime-api-errors.ts";
import { challengeServer, tlsFirstLine, wildcardCertificate } from "../../helpers/edge-tls.ts";
import { type EdgeHaproxy, edgeHaproxy, freePort } from "../../helpers/haproxy.ts";

const dir = mkdtempSync(join(tmpdir(), "stackd-edge-api-"));
const certificate = wildcardCertificate(dir);
let edge: EdgeHaproxy;

beforeAll(async () => {
  edge = edgeHaproxy(dir, certificate.pemPath);
  await edge.start();
});
afterAll(async () => {
  await edge?.kill();
  rmSync(dir, { recursive: true, force: true });
});

const entriesOf = (count: number, prefix: string): MapEntry[] =>
  Array.from({ length: count }, (_, index) => ({
    key: `${prefix}-${index}.inst.stackd.test`,
    value: `127.0.0.${(index % 250) + 1}/${10000 + index}`,
  }));

const refusal = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(RuntimeApiError);
  return error as RuntimeApiError;
};

describe.each(["tcp", "unix"] as const)("HAProxy runtime API over %s", (kind) => {
  const api = () => new HaproxyRuntimeApi({ address: kind === "tcp" ? edge.tcpAddress : edge.unixAddress });

  it("answers show info with the process's pid and uptime", async () => {
    const info = await api().showInfo();
    expect(info.pid).toBe(edge.pid() as number);
    expect(info.version).toStartWith("2.");
    expect(info.uptimeSec).toBeGreaterThanOrEqual(0);
  });

  it("adds 600 entries in payloads cut to HAProxy's buffer, and shows them back", async () => {
    const entries = entriesOf(600, `bulk-${kind}`);
    await api().addMapEntries(edge.mapPath, entries);
    const shown = await api().showMap(edge.mapPath);
    expect(shown.filter((entry) => entry.key.startsWith(`bulk-${kind}-`))).toEqual(entries);
    await api().delMapEntries(
      edge.mapPath,
      entries.map((entry) => entry.key),
    );
    expect((await api().showMap(edge.mapPath)).some((entry) => entry.key.startsWith(`bulk-${kind}-`))).toBe(
      false,
    );
  });

  it("sets and deletes one entry, saying when the key was absent", async () => {
    const key = `one-${kind}.inst.stackd.test`;
    expect(await api().setMapEntry(edge.mapPath, { key, value: "127.0.0.1/1" })).toBe(false);
    await api().addMapEntries(edge.mapPath, [{ key, value: "127.0.0.1/1" }]);
    expect(await api().setMapEntry(edge.mapPath, { key, value: "127.0.0.1/2" })).toBe(true);
    expect((await api().showMap(edge.mapPath)).filter((entry) => entry.key === key)).toEqual([
      { key, value: "127.0.0.1/2" },
    ]);
    expect(await api().delMapEntry(edge.mapPath, key)).toBe(true);
    expect(await api().delMapEntry(edge.mapPath, key)).toBe(false);
  });

  it("replaces the whole map atomically, dropping what the new table does not hold", async () => {
    await api().addMapEntries(edge.mapPath, entriesOf(5, `stale-${kind}`));
    const table = entriesOf(300, `fresh-${kind}`);
    await api().replaceMap(edge.mapPath, table);
    expect(await api().showMap(edge.mapPath)).toEqual(table);
    await api().replaceMap(edge.mapPath, []);
    expect(await api().showMap(edge.mapPath)).toEqual([]);
  });
});

describe("HAProxy runtime API failures", () => {
  it("names the address and the command when nothing listens (EDGE_UNREACHABLE)", async () => {
    const address = `127.0.0.1:${freePort()}`;
    const error = await refusal(new HaproxyRuntimeApi({ address }).showInfo());
    expect(error.code).toBe("EDGE_UNREACHABLE");
    expect(error.message).toContain(address);
    expect(error.message).toContain("show info");
  });

  it("reports a missing unix socket as EDGE_UNREACHABLE", async () => {
    const error = await refusal(new HaproxyRuntimeApi({ address: `unix:${dir}/none.sock` }).showInfo());
    expect(error.code).toBe("EDGE_UNREACHABLE");
  });

  it("reports HAProxy's answer to an unknown map as EDGE_COMMAND_REFUSED", async () => {
    const api = new HaproxyRuntimeApi({ address: edge.tcpAddress });
    const error = await refusal(api.addMapEntries(`${dir}/unknown.map`, [{ key: "a", value: "b" }]));
    expect(error.code).toBe("EDGE_COMMAND_REFUSED");
    expect(error.answer).toContain("Unknown map identifier");
  });

  it("reports a payload too big for HAProxy's buffer as EDGE_UNREACHABLE (HAProxy closes without answering)", async () => {
    const api = new HaproxyRuntimeApi({ address: edge.tcpAddress, maxCommandChars: 1_000_000 });
    const error = await refusal(api.addMapEntries(edge.mapPath, entriesOf(1000, "oversize")));
    expect(error.code).toBe("EDGE_UNREACHABLE");
    expect(await new HaproxyRuntimeApi({ address: edge.tcpAddress }).showMap(edge.mapPath)).toEqual([]);
  });

  it("gives up after its timeout on a socket that never answers (EDGE_TIMEOUT)", async () => {
    const held: Socket[] = [];
    const silent = createServer({ allowHalfOpen: true }, (socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = silent.address() as AddressInfo;
      const api = new HaproxyRuntimeApi({ address: `127.0.0.1:${port}`, timeoutMs: 200 });
      const error = await refusal(api.showInfo());
      expect(error.code).toBe("EDGE_TIMEOUT");
    } finally {
      for (const socket of held) socket.destroy();
      silent.close();
    }
  });
});

describe("the edge configuration (deploy/edge/haproxy.cfg)", () => {
  it("sends a player's TLS stream to the address and port the SNI's map entry names", async () => {
    const challenge = challengeServer("127.0.0.42", "hello from the map");
    try {
      await new HaproxyRuntimeApi({ address: edge.tcpAddress }).addMapEntries(edge.mapPath, [
        { key: "cfg.inst.stackd.test", value: `127.0.0.42/${challenge.port}` },
      ]);
      expect(await tlsFirstLine(edge.edgePort, "CFG.inst.stackd.test", certificate.ca)).toBe(
        "hello from the map",
      );
      expect(await tlsFirstLine(edge.edgePort, "other.inst.stackd.test", certificate.ca)).toBe("");
    } finally {
      challenge.stop(true);
      await new HaproxyRuntimeApi({ address: edge.tcpAddress }).delMapEntry(
        edge.mapPath,
        "cfg.inst.stackd.test",
      );
    }
  });
});

describe("HAProxy runtime API arguments", () => {
  it.each(["a b", "a;show info", "a\nb", ""])(
    "refuses to send the key %j, which would change the command",
    async (key) => {
      const api = new HaproxyRuntimeApi({ address: edge.tcpAddress });
      await expect(api.addMapEntries(edge.mapPath, [{ key, value: "127.0.0.1/1" }])).rejects.toThrow(
        TypeError,
      );
    },
  );
});

describe("checkEdgeReady", () => {
  it("answers HAProxy's info when the runtime API answers", async () => {
    expect((await checkEdgeReady(edge.unixAddress)).pid).toBe(edge.pid() as number);
  });

  it("fails naming the address when nothing answers", async () => {
    const address = `127.0.0.1:${freePort()}`;
    await expect(checkEdgeReady(address)).rejects.toThrow(
      `the edge's HAProxy runtime API at ${address} does not answer show info (EDGE_UNREACHABLE)`,
    );
  });
});

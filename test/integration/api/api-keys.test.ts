import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../../src/log/logger.ts";
import { eventually, testKubeClient } from "../../helpers/cluster.ts";
import { startTestStackd, stopAndRemove, type TestStackd } from "../../helpers/stackd.ts";

const kube = testKubeClient();
const reloadMs = 200;
const envKey = "env-key-from-API_KEY-77";
const platformKey = "platform-key-0a1b2c3d4e5f";
const opsKey = "ops-key-9f8e7d6c5b4a3210";
const rotatedKey = "platform-key-rotated-5566";
const allKeys = [envKey, platformKey, opsKey, rotatedKey];

const dir = mkdtempSync(join(tmpdir(), "stackd-keys-"));
const keysFile = join(dir, "keys");
const lines: Array<Record<string, unknown>> = [];
const raw: string[] = [];
const logger = createLogger({
  write: (line) => {
    raw.push(line);
    lines.push(JSON.parse(line) as Record<string, unknown>);
  },
});
let service: TestStackd | undefined;

/** Publishes `text` the way the kubelet updates a Secret volume: a new directory, then `..data` swapped atomically. */
function publishSecret(text: string): void {
  const version = `..${Date.now()}.${Math.random().toString(36).slice(2)}`;
  mkdirSync(join(dir, version));
  writeFileSync(join(dir, version, "keys"), text);
  symlinkSync(version, join(dir, "..data_tmp"));
  renameSync(join(dir, "..data_tmp"), join(dir, "..data"));
}

const statusWith = async (key: string) =>
  (await service?.call("GET", "/stats", undefined, { "x-api-key": key }))?.status;

beforeAll(async () => {
  publishSecret(`# the platform and the organisers\nplatform ${platformKey}\nops ${opsKey}\n`);
  symlinkSync("..data/keys", keysFile);
  service = await startTestStackd(
    kube,
    { API_KEY: envKey, API_KEYS_FILE: keysFile, API_KEYS_RELOAD_INTERVAL: `${reloadMs}ms` },
    { logger },
  );
}, 60_000);

afterAll(async () => {
  await stopAndRemove(kube, service);
  rmSync(dir, { recursive: true, force: true });
});

describe("API_KEYS_FILE", () => {
  it("accepts every key of the file and API_KEY at once, and refuses others with 401", async () => {
    for (const key of [envKey, platformKey, opsKey]) expect(await statusWith(key)).toBe(200);
    expect(await statusWith(rotatedKey)).toBe(401);
  });

  it("after a Secret-style rotation, refuses the removed key within the reload interval and accepts the new one", async () => {
    publishSecret(`platform-2 ${rotatedKey}\nops ${opsKey}\n`);
    const rotated = Date.now();
    await eventually("the removed key refused", async () =>
      (await statusWith(platformKey)) === 401 ? true : undefined,
    );
    // An interval, plus the reload and a scheduling delay's slack.
    expect(Date.now() - rotated).toBeLessThan(reloadMs * 2 + 500);
    expect(await statusWith(rotatedKey)).toBe(200);
    expect(await statusWith(opsKey)).toBe(200);
    expect(await statusWith(envKey)).toBe(200);
  });

  it("keeps the keys in force when the file is rewritten in place with a bad line, and logs why", async () => {
    writeFileSync(join(dir, "..data", "keys"), `platform-2 ${rotatedKey}\nops ${opsKey}\nbroken\n`);
    const refusal = await eventually("the refusal logged", async () =>
      lines.find((line) => line.msg === "API keys file refused; the keys in force stay valid"),
    );
    expect(refusal.error).toBe(`${keysFile}:3: expected "name key", got 1 fields`);
    expect(await statusWith(rotatedKey)).toBe(200);
    expect(await statusWith(opsKey)).toBe(200);
  });

  it("puts the key's name in each authenticated access line, and no key in any line", async () => {
    await service?.call("GET", "/stats", undefined, { "x-api-key": opsKey });
    await eventually("the access lines", async () =>
      lines.some((line) => line.msg === "request" && line.keyName === "ops") ? true : undefined,
    );
    const access = lines.filter((line) => line.component === "http" && line.msg === "request");
    const names = new Set(access.map((line) => line.keyName));
    expect([...names].sort()).toEqual(["default", "ops", "platform", "platform-2", undefined].sort());
    // Only the refusals (401) lack a name.
    for (const line of access) expect(line.keyName === undefined).toBe(line.status === 401);
    for (const key of allKeys) expect(raw.join("\n")).not.toContain(key);
  });
});

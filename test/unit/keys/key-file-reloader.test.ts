import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError } from "../../../src/config/env-readers.ts";
import { openApiKeys } from "../../../src/keys/api-keys.ts";
import { KeyFileReloader } from "../../../src/keys/key-file-reloader.ts";
import { KeyRing } from "../../../src/keys/key-ring.ts";
import { createLogger, silentLogger } from "../../../src/log/logger.ts";

const platformKey = "platform-key-0123456789";
const rotatedKey = "platform-key-rotated-999";
const opsKey = "ops-key-abcdefghijklmnop";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "stackd-keys-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** A reloader over `file` with API_KEY's key beside it, and the error lines it logs. */
function reloaderOf(file: string) {
  const errors: string[] = [];
  const logger = createLogger({ write: (line) => errors.push(line), level: "error" });
  const fixed = [{ name: "default", key: "the-api-key-from-env" }];
  const ring = new KeyRing(fixed);
  const reloader = new KeyFileReloader({ file, fixed, ring, logger });
  reloader.load();
  return { ring, reloader, errors };
}

/** Writes a mounted Secret's layout: `keys` -> `..data/keys`, `..data` -> a timestamped directory. */
function writeSecretVolume(version: string, text: string): string {
  mkdirSync(join(dir, version));
  writeFileSync(join(dir, version, "keys"), text);
  symlinkSync(version, join(dir, "..data_tmp"));
  renameSync(join(dir, "..data_tmp"), join(dir, "..data"));
  return join(dir, "keys");
}

describe("KeyFileReloader", () => {
  it("keeps API_KEY valid beside the file's keys", () => {
    const file = join(dir, "keys");
    writeFileSync(file, `platform ${platformKey}\nops ${opsKey}\n`);
    const { ring } = reloaderOf(file);
    expect(ring.names()).toEqual(["default", "platform", "ops"]);
    expect(ring.match("the-api-key-from-env")).toBe("default");
  });

  it("applies a file written in place, and does nothing while it is unchanged", () => {
    const file = join(dir, "keys");
    writeFileSync(file, `platform ${platformKey}\n`);
    const { ring, reloader } = reloaderOf(file);
    expect(reloader.reload()).toBe("unchanged");
    writeFileSync(file, `platform-2 ${rotatedKey}\n`);
    expect(reloader.reload()).toBe("reloaded");
    expect(ring.match(platformKey)).toBeNull();
    expect(ring.match(rotatedKey)).toBe("platform-2");
  });

  it("applies a Secret volume's atomic ..data symlink swap", () => {
    const file = writeSecretVolume("..2026_11_28_20_00_00.1", `platform ${platformKey}\n`);
    symlinkSync("..data/keys", file);
    const { ring, reloader } = reloaderOf(file);
    writeSecretVolume("..2026_11_28_21_00_00.2", `platform ${platformKey}\nplatform-2 ${rotatedKey}\n`);
    expect(reloader.reload()).toBe("reloaded");
    expect(ring.names()).toEqual(["default", "platform", "platform-2"]);
  });

  it("keeps the keys in force when the new file is bad, logging the file and line once", () => {
    const file = join(dir, "keys");
    writeFileSync(file, `platform ${platformKey}\n`);
    const { ring, reloader, errors } = reloaderOf(file);
    writeFileSync(file, `platform ${platformKey}\nplatform ${rotatedKey}\n`);
    expect(reloader.reload()).toBe("kept");
    expect(reloader.reload()).toBe("kept");
    expect(ring.match(platformKey)).toBe("platform");
    expect(ring.match(rotatedKey)).toBeNull();
    expect(errors).toHaveLength(1);
    expect(JSON.parse(errors[0] ?? "{}")).toMatchObject({
      msg: "API keys file refused; the keys in force stay valid",
      error: `${file}:2: name "platform" is already on line 1`,
    });
    writeFileSync(file, `platform-2 ${rotatedKey}\n`);
    expect(reloader.reload()).toBe("reloaded");
    expect(ring.names()).toEqual(["default", "platform-2"]);
  });

  it("keeps the keys in force while the file is missing, and takes it back when it returns", () => {
    const file = join(dir, "keys");
    writeFileSync(file, `platform ${platformKey}\n`);
    const { ring, reloader, errors } = reloaderOf(file);
    rmSync(file);
    expect(reloader.reload()).toBe("kept");
    expect(ring.match(platformKey)).toBe("platform");
    expect(errors.join("\n")).toContain("ENOENT");
    writeFileSync(file, `platform ${platformKey}\n`);
    expect(reloader.reload()).toBe("unchanged");
  });
});

describe("openApiKeys", () => {
  const config = { apiKeyEnabled: true, apiKey: "", apiKeysReloadMs: 60_000 };

  it("is null while auth is off", () => {
    expect(openApiKeys({ ...config, apiKeyEnabled: false, apiKey: "k" }, silentLogger)).toBeNull();
  });

  it("names API_KEY's key default", () => {
    expect(openApiKeys({ ...config, apiKey: "k" }, silentLogger)?.ring.match("k")).toBe("default");
  });

  it("refuses an unreadable key file at start with a ConfigError naming API_KEYS_FILE", () => {
    const missing = join(dir, "absent");
    expect(() => openApiKeys({ ...config, apiKeysFile: missing }, silentLogger)).toThrow(ConfigError);
    expect(() => openApiKeys({ ...config, apiKeysFile: missing }, silentLogger)).toThrow(
      /^API_KEYS_FILE: ENOENT/,
    );
  });

  it("refuses a malformed key file at start, naming the file and line", () => {
    const file = join(dir, "keys");
    writeFileSync(file, `# keys\nplatform\n`);
    expect(() => openApiKeys({ ...config, apiKeysFile: file }, silentLogger)).toThrow(
      `API_KEYS_FILE: ${file}:2: expected "name key", got 1 fields`,
    );
  });
});

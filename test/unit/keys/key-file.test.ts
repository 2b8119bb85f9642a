import { describe, expect, it } from "bun:test";
import { KeyFileError, parseKeyFile } from "../../../src/keys/key-file.ts";

const file = "/etc/stackd/keys/keys";
const platformKey = "platform-key-0123456789";
const opsKey = "ops-key-abcdefghijklmnop";

function refusalOf(text: string, reserved = [] as Array<{ name: string; key: string }>): KeyFileError {
  try {
    parseKeyFile(text, { file, reserved });
  } catch (error) {
    if (error instanceof KeyFileError) return error;
    throw error;
  }
  throw new Error("expected a KeyFileError");
}

describe("parseKeyFile", () => {
  it("reads name-key pairs, skipping blank lines and # comments, separated by spaces or tabs", () => {
    const text = `# rotated 2026-11-28\n\nplatform ${platformKey}\n  \n\tops\t\t${opsKey}  \r\n# end\n`;
    expect(parseKeyFile(text, { file })).toEqual([
      { name: "platform", key: platformKey },
      { name: "ops", key: opsKey },
    ]);
  });

  it.each([
    ["a line with one field", `platform ${platformKey}\nops\n`, 2, 'expected "name key", got 1 fields'],
    ["a line with three fields", `ops ${opsKey} extra\n`, 1, "got 3 fields"],
    ["a name with odd characters", `ops/team ${opsKey}\n`, 1, 'name "ops/team" must be letters'],
    ["a name starting with a dot", `.ops ${opsKey}\n`, 1, 'name ".ops" must be letters'],
    ["a name of 64 characters", `${"n".repeat(64)} ${opsKey}\n`, 1, "at most 63"],
    ["a short key", "ops short-key\n", 1, 'the key of "ops" has 9 characters, at least 16'],
    ["a key with a non-ASCII character", `ops ${opsKey}é\n`, 1, "printable ASCII"],
    ["a duplicate name", `ops ${opsKey}\nops ${platformKey}\n`, 2, 'name "ops" is already on line 1'],
    ["a duplicate key", `ops ${opsKey}\n\nbackup ${opsKey}\n`, 3, 'is already on line 1 (named "ops")'],
  ])("refuses %s, naming the file and the line", (_, text, line, message) => {
    const error = refusalOf(text);
    expect(error.line).toBe(line);
    expect(error.message).toStartWith(`${file}:${line}: `);
    expect(error.message).toContain(message);
  });

  it("never puts a key in its message", () => {
    for (const text of [`ops ${opsKey}\nbackup ${opsKey}\n`, `ops ${opsKey}é\n`, `ops ${opsKey} x\n`])
      expect(refusalOf(text).message).not.toContain(opsKey);
  });

  it("refuses a file without a key, which would lock its clients out", () => {
    const error = refusalOf("# nothing yet\n\n");
    expect(error.line).toBeNull();
    expect(error.message).toBe(`${file}: holds no key`);
  });

  it("refuses API_KEY's name or key in the file", () => {
    const reserved = [{ name: "default", key: platformKey }];
    expect(refusalOf(`default ${opsKey}\n`, reserved).message).toContain(
      'name "default" is configured by API_KEY',
    );
    expect(refusalOf(`ops ${opsKey}\nplatform ${platformKey}\n`, reserved).message).toContain(
      `${file}:2: the key of "platform" is API_KEY's`,
    );
  });
});

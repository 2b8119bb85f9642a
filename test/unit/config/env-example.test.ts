import { describe, expect, it } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const repo = join(import.meta.dir, "../../..");

describe(".env.example", () => {
  it("lists every variable the configuration reads", () => {
    const source = [
      "src/config/config.ts",
      "src/exposure/exposure-config.ts",
      "src/config/owner-limits-config.ts",
      "src/config/pod-policy-config.ts",
      "src/config/api-keys-config.ts",
    ]
      .map((file) => readFileSync(join(repo, file), "utf8"))
      .join("\n");
    const read = new Set([...source.matchAll(/env, "([A-Z0-9_]+)"/g)].map((match) => match[1]));
    read.delete("HOME");
    const example = readFileSync(join(repo, ".env.example"), "utf8");
    const listed = new Set([...example.matchAll(/^#?\s*([A-Z0-9_]+)=/gm)].map((match) => match[1]));
    expect([...read].filter((name) => !listed.has(name))).toEqual([]);
  });
});

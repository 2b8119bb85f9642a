import { describe, expect, it } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const repo = join(import.meta.dir, "../../..");

/** Runs `bun src/main.ts` with `args` and no configuration at all (no API key, no kubeconfig). */
function stackd(...args: string[]) {
  const run = Bun.spawnSync([process.execPath, "src/main.ts", ...args], {
    cwd: repo,
    env: { PATH: process.env.PATH ?? "", HOME: "/nonexistent" },
    stdout: "pipe",
    stderr: "pipe",
  });
  return { code: run.exitCode, stdout: run.stdout.toString(), stderr: run.stderr.toString() };
}

const variablesIn = (text: string) => [...text.matchAll(/^#?\s*([A-Z0-9_]+)=/gm)].map((match) => match[1]);

describe("stackd --help", () => {
  it("prints usage and every variable of .env.example with its default, and exits 0 without a cluster", () => {
    const help = stackd("--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toStartWith("stackd ");
    expect(help.stdout).toContain("Usage: stackd");
    const example = readFileSync(join(repo, ".env.example"), "utf8");
    expect(variablesIn(help.stdout)).toEqual(variablesIn(example));
    expect(help.stdout).toContain("  STACK_TTL=2h");
    expect(help.stdout).toContain("API_KEY=          (no default; for example change-me)");
  });
});

describe("stackd --version", () => {
  it("prints package.json's version and exits 0", () => {
    const { version } = JSON.parse(readFileSync(join(repo, "package.json"), "utf8")) as { version: string };
    const answer = stackd("--version");
    expect(answer.code).toBe(0);
    expect(answer.stdout).toMatch(
      new RegExp(`^stackd ${version.replaceAll(".", "\\.")}( \\([0-9a-f]+\\))?\\n$`),
    );
  });
});

describe("stackd with an unknown argument", () => {
  it("prints usage on stderr and exits 2", () => {
    const answer = stackd("--bogus");
    expect(answer.code).toBe(2);
    expect(answer.stderr).toContain("unknown arguments: --bogus");
  });
});

import { afterAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { freePort } from "../../../tools/cluster/processes.ts";
import { eventually, testKubeconfigPath } from "../../helpers/cluster.ts";
import { testApiKey } from "../../helpers/stackd.ts";

const repo = resolve(import.meta.dir, "../../..");
const work = mkdtempSync(join(tmpdir(), "stackd-compiled-"));
let child: Subprocess | undefined;

afterAll(() => {
  child?.kill("SIGKILL");
  rmSync(work, { recursive: true, force: true });
});

describe("the compiled production binary", () => {
  it("compiles with `bun build --compile`, starts, and answers /healthz", async () => {
    const binary = join(work, "stackd");
    const build = Bun.spawnSync(
      ["bun", "build", "--compile", "--minify", "src/main.ts", "--outfile", binary],
      {
        cwd: repo,
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    expect(build.stderr.toString()).not.toContain("error");
    expect(build.exitCode).toBe(0);

    const port = freePort();
    child = Bun.spawn([binary], {
      cwd: work,
      env: {
        PATH: process.env.PATH ?? "",
        API_KEY: testApiKey,
        HTTP_ADDR: `127.0.0.1:${port}`,
        DB_PATH: join(work, "data", "stackd.db"),
        K8S_KUBECONFIG: testKubeconfigPath(),
      },
      stdout: "ignore",
      stderr: "pipe",
    });
    const health = await eventually(
      "the binary to answer",
      async () => {
        const response = await fetch(`http://127.0.0.1:${port}/healthz`, {
          headers: { "x-api-key": testApiKey },
        }).catch(() => undefined);
        return response?.ok ? response.json() : undefined;
      },
      30_000,
    );
    expect(health).toEqual({ status: "ok" });
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
  }, 120_000);

  it("refuses to start with a message naming a bad variable", () => {
    const result = Bun.spawnSync(["bun", "src/main.ts"], {
      cwd: repo,
      env: { PATH: process.env.PATH ?? "", API_KEY: "k", STACK_TTL: "forever" },
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.toString()).toContain("STACK_TTL");
  });
});

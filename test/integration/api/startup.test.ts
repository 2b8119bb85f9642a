import { afterAll, describe, expect, it } from "bun:test";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { testKubeconfigPath } from "../../helpers/cluster.ts";

const repo = resolve(import.meta.dir, "../../..");
const work = mkdtempSync(join(tmpdir(), "stackd-startup-"));

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs `bun src/main.ts` with only the given environment (plus PATH) and collects how it ended. */
async function runStackd(env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const child = Bun.spawn(["bun", "src/main.ts"], {
    cwd: repo,
    env: {
      PATH: process.env.PATH ?? "",
      API_KEY: "k",
      HTTP_ADDR: "127.0.0.1:0",
      DB_PATH: join(work, `db-${crypto.randomUUID()}`, "stackd.db"),
      ...env,
    },
    stdout: "ignore",
    stderr: "pipe",
  });
  const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
  const code = await child.exited;
  clearTimeout(killer);
  return { code, stderr: await new Response(child.stderr).text() };
}

describe("start-up errors", () => {
  it("exits 2 naming the file when API_KEYS_FILE cannot be read", async () => {
    const { code, stderr } = await runStackd({ API_KEYS_FILE: join(work, "no-keys"), HOME: work });
    expect(code).toBe(2);
    expect(stderr).toContain("invalid configuration");
    expect(stderr).toContain(
      `API_KEYS_FILE: ENOENT: no such file or directory, open '${join(work, "no-keys")}'`,
    );
  });

  it("exits 2 naming the file when K8S_KUBECONFIG does not exist", async () => {
    const { code, stderr } = await runStackd({ K8S_KUBECONFIG: join(work, "missing.yaml"), HOME: work });
    expect(code).toBe(2);
    expect(stderr).toContain("invalid kubernetes configuration");
    expect(stderr).toContain("missing.yaml");
  });

  it("exits 2 naming where it looked when no kubeconfig is found at all", async () => {
    const home = mkdtempSync(join(work, "home-"));
    const { code, stderr } = await runStackd({ HOME: home });
    expect(code).toBe(2);
    expect(stderr).toContain("no kubeconfig found");
    expect(stderr).toContain(join(home, ".kube/config"));
    expect(stderr).not.toContain("localhost:8080");
  });

  it("gives up on an API server that accepts connections and never answers, naming it", async () => {
    const silent: Server = createServer(() => {});
    await new Promise<void>((done) => silent.listen(0, "127.0.0.1", done));
    const port = (silent.address() as { port: number }).port;
    const kubeconfig = readFileSync(testKubeconfigPath(), "utf8").replace(
      /server: .*/,
      `server: https://127.0.0.1:${port}`,
    );
    const path = join(work, "silent.kubeconfig");
    writeFileSync(path, kubeconfig);
    try {
      const { code, stderr } = await runStackd({
        K8S_KUBECONFIG: path,
        K8S_REQUEST_TIMEOUT: "2s",
        HOME: work,
      });
      expect(code).toBe(1);
      expect(stderr).toContain("start-up failed");
      expect(stderr).toContain(`https://127.0.0.1:${port}`);
    } finally {
      silent.close();
    }
  }, 40_000);
});

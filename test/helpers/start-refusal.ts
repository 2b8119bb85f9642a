import { join, resolve } from "node:path";
import { testKubeconfigPath } from "./cluster.ts";

const repo = resolve(import.meta.dir, "../..");

/**
 * Runs `bun src/main.ts` against the local cluster with `env` over a minimal environment (a key, a free
 * address, a database in `workDir`), until it exits (killed after 30 s): its exit code and stderr, for
 * tests of start-up refusals.
 */
export async function mainExit(
  workDir: string,
  env: Record<string, string>,
): Promise<{ code: number | null; stderr: string }> {
  const child = Bun.spawn(["bun", "src/main.ts"], {
    cwd: repo,
    env: {
      PATH: process.env.PATH ?? "",
      API_KEY: "k",
      HTTP_ADDR: "127.0.0.1:0",
      DB_PATH: join(workDir, "stackd.db"),
      K8S_KUBECONFIG: testKubeconfigPath(),
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

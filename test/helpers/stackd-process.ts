import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { freePort } from "../../tools/cluster/processes.ts";
import { eventually, testKubeconfigPath } from "./cluster.ts";
import { testApiKey } from "./stackd.ts";

const repo = resolve(import.meta.dir, "../..");

/** stackd run the way a user runs it (`bun src/main.ts`), against the local cluster, on a port of its own. */
export class StackdProcess {
  readonly port: number;
  readonly base: string;
  child: Subprocess | undefined;
  #env: Record<string, string>;

  /** `port` defaults to a free one; pass a taken one to see start-up fail. */
  constructor(namespace: string, dataDir: string, env: Record<string, string> = {}, port = freePort()) {
    this.port = port;
    this.base = `http://127.0.0.1:${port}`;
    this.#env = {
      API_KEY: testApiKey,
      HTTP_ADDR: `127.0.0.1:${this.port}`,
      STACK_NAMESPACE: namespace,
      DB_PATH: join(dataDir, "stackd.db"),
      K8S_KUBECONFIG: testKubeconfigPath(),
      LOG_LEVEL: "warn",
      ...env,
    };
  }

  /** Starts the process and resolves once it answers /healthz. */
  async start(): Promise<void> {
    this.child = this.#spawn("inherit");
    await eventually(
      "stackd to answer /healthz",
      async () => ((await this.api("/healthz").catch(() => undefined))?.ok ? true : undefined),
      30_000,
    );
  }

  /** Starts the process and answers the ms from its spawn until it answered /readyz (asked every 10 ms). */
  async startUntilReady(timeoutMs = 60_000): Promise<number> {
    const spawned = performance.now();
    this.child = this.#spawn("inherit");
    for (;;) {
      if ((await this.api("/readyz").catch(() => undefined))?.ok) return performance.now() - spawned;
      if (performance.now() - spawned > timeoutMs)
        throw new Error(`stackd was not ready within ${timeoutMs} ms`);
      await Bun.sleep(10);
    }
  }

  /** Runs the process to its end, for a start-up that must fail: its exit code and what it wrote to stderr. */
  async runToExit(timeoutMs = 30_000): Promise<{ exitCode: number; stderr: string }> {
    const child = this.#spawn("pipe");
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    const [exitCode, stderr] = await Promise.all([child.exited, new Response(child.stderr).text()]);
    clearTimeout(timer);
    return { exitCode, stderr };
  }

  #spawn<Stderr extends "inherit" | "pipe">(stderr: Stderr) {
    return Bun.spawn(["bun", "src/main.ts"], {
      cwd: repo,
      env: { ...process.env, ...this.#env },
      stdout: "ignore",
      stderr,
    });
  }

  /** A request with the test key and a JSON content type. */
  api(path: string, init: RequestInit = {}): Promise<Response> {
    return fetch(`${this.base}${path}`, {
      ...init,
      headers: { "x-api-key": testApiKey, "content-type": "application/json" },
    });
  }

  async kill(): Promise<void> {
    this.child?.kill("SIGKILL");
    await this.child?.exited;
  }
}

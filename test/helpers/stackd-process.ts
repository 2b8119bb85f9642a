import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { freePort } from "../../tools/cluster/processes.ts";
import { eventually, testKubeconfigPath } from "./cluster.ts";
import { testApiKey } from "./stackd.ts";

const repo = resolve(import.meta.dir, "../..");

/** stackd run the way a user runs it (`bun src/main.ts`), against the local cluster, on a port of its own. */
export class StackdProcess {
  readonly port = freePort();
  readonly base = `http://127.0.0.1:${this.port}`;
  child: Subprocess | undefined;
  #env: Record<string, string>;

  constructor(namespace: string, dataDir: string, env: Record<string, string> = {}) {
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
    this.child = Bun.spawn(["bun", "src/main.ts"], {
      cwd: repo,
      env: { ...process.env, ...this.#env },
      stdout: "ignore",
      stderr: "inherit",
    });
    await eventually(
      "stackd to answer /healthz",
      async () => ((await this.api("/healthz").catch(() => undefined))?.ok ? true : undefined),
      30_000,
    );
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

import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { freePort } from "../../../tools/cluster/processes.ts";
import {
  createTestNamespace,
  deleteTestNamespace,
  eventually,
  testKubeClient,
  testKubeconfigPath,
} from "../../helpers/cluster.ts";
import { podSpecYaml, testApiKey } from "../../helpers/stackd.ts";

const repo = resolve(import.meta.dir, "../../..");
const work = mkdtempSync(join(tmpdir(), "stackd-compiled-"));
const binary = join(work, "stackd");
const kube = testKubeClient();
let namespace = "";
let child: Subprocess | undefined;
let build: ReturnType<typeof Bun.spawnSync> | undefined;

beforeAll(async () => {
  namespace = await createTestNamespace(kube, "compiled");
  build = Bun.spawnSync(["bun", "build", "--compile", "--minify", "src/main.ts", "--outfile", binary], {
    cwd: repo,
    stdout: "pipe",
    stderr: "pipe",
  });
}, 120_000);

afterAll(async () => {
  child?.kill("SIGKILL");
  await deleteTestNamespace(kube, namespace);
  rmSync(work, { recursive: true, force: true });
});

const baseEnv = () => ({
  PATH: process.env.PATH ?? "",
  API_KEY: testApiKey,
  STACK_NAMESPACE: namespace,
  DB_PATH: join(work, "data", "stackd.db"),
  K8S_KUBECONFIG: testKubeconfigPath(),
  LOG_LEVEL: "warn",
});

describe("the compiled production binary", () => {
  it("compiles with `bun build --compile`, and creates, reads and deletes a stack on the cluster", async () => {
    expect(String(build?.stderr ?? "")).not.toContain("error");
    expect(build?.exitCode).toBe(0);
    const port = freePort();
    const base = `http://127.0.0.1:${port}`;
    child = Bun.spawn([binary], {
      cwd: work,
      env: { ...baseEnv(), HTTP_ADDR: `127.0.0.1:${port}` },
      stdout: "ignore",
      stderr: "inherit",
    });
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${base}${path}`, { ...init, headers: { "x-api-key": testApiKey } });
    // /healthz is answered by the placeholder that holds the address before the app is loaded: wait
    // for /readyz, which only the loaded app answers 200.
    await eventually(
      "the binary to be ready",
      async () => ((await api("/readyz").catch(() => undefined))?.ok ? true : undefined),
      30_000,
    );
    const created = await api("/stacks", {
      method: "POST",
      body: JSON.stringify({ target_port: 80, pod_spec: podSpecYaml() }),
    });
    expect(created.status).toBe(201);
    const { stack_id: stackId } = (await created.json()) as { stack_id: string };
    await eventually("the stack to run", async () => {
      const status = (await (await api(`/stacks/${stackId}/status`)).json()) as { status: string };
      return status.status === "running" ? true : undefined;
    });
    expect(await (await api(`/stacks/${stackId}`, { method: "DELETE" })).json()).toEqual({
      deleted: true,
      stack_id: stackId,
    });
    expect((await api(`/stacks/${stackId}`)).status).toBe(404);
    child.kill("SIGTERM");
    expect(await child.exited).toBe(0);
  }, 120_000);

  it("refuses to start with exit code 2 and a message naming a bad variable", async () => {
    expect(build?.exitCode).toBe(0);
    const result = Bun.spawnSync([binary], {
      cwd: work,
      env: { ...baseEnv(), HTTP_ADDR: `127.0.0.1:${freePort()}`, STACK_TTL: "forever" },
      stdout: "pipe",
      stderr: "pipe",
    });
    expect(result.exitCode).toBe(2);
    expect(result.stderr.toString()).toContain("STACK_TTL");
  });
});

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

const kube = testKubeClient();
const repo = resolve(import.meta.dir, "../../..");
const dbDir = mkdtempSync(join(tmpdir(), "stackd-restart-"));
const port = freePort();
const base = `http://127.0.0.1:${port}`;
let namespace = "";
let child: Subprocess | undefined;

function startStackd(): Subprocess {
  return Bun.spawn(["bun", "src/main.ts"], {
    cwd: repo,
    env: {
      ...process.env,
      API_KEY: testApiKey,
      HTTP_ADDR: `127.0.0.1:${port}`,
      STACK_NAMESPACE: namespace,
      DB_PATH: join(dbDir, "stackd.db"),
      K8S_KUBECONFIG: testKubeconfigPath(),
      K8S_CLIENT_QPS: "500",
      K8S_CLIENT_BURST: "1000",
      STACK_ORPHAN_GRACE: "1s",
      STACK_SCHEDULER_INTERVAL: "1s",
      LOG_LEVEL: "warn",
    },
    stdout: "ignore",
    stderr: "ignore",
  });
}

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${base}${path}`, {
    ...init,
    headers: { "x-api-key": testApiKey, "content-type": "application/json" },
  });

async function waitHealthy(): Promise<void> {
  await eventually(
    "stackd to answer /healthz",
    async () => ((await api("/healthz").catch(() => undefined))?.ok ? true : undefined),
    30_000,
  );
}

beforeAll(async () => {
  namespace = await createTestNamespace(kube, "restart");
});

afterAll(async () => {
  child?.kill("SIGKILL");
  await deleteTestNamespace(kube, namespace);
  rmSync(dbDir, { recursive: true, force: true });
});

describe("restart", () => {
  it("loses no acknowledged stack, leaves no orphan and leases no port twice after a kill mid-create", async () => {
    child = startStackd();
    await waitHealthy();
    const body = JSON.stringify({ target_port: 80, pod_spec: podSpecYaml() });
    const acknowledged: string[] = [];
    let firstAnswer: () => void = () => {};
    const answered = new Promise<void>((resolve) => {
      firstAnswer = resolve;
    });
    const creates = Array.from({ length: 20 }, () =>
      api("/stacks", { method: "POST", body })
        .then(async (response) => {
          if (response.status === 201)
            acknowledged.push(((await response.json()) as { stack_id: string }).stack_id);
          firstAnswer();
        })
        .catch(() => {}),
    );
    await answered;
    child.kill("SIGKILL");
    await child.exited;
    await Promise.all(creates);
    expect(acknowledged.length).toBeGreaterThan(0);

    child = startStackd();
    await waitHealthy();

    const stacks = await eventually(
      "every acknowledged stack and nothing else",
      async () => {
        const list = (await (await api("/stacks")).json()) as {
          stacks: Array<{ stack_id: string; node_port: number; status: string }>;
        };
        const pods = await kube.core.listNamespacedPod({ namespace });
        const services = await kube.core.listNamespacedService({ namespace });
        const known = new Set(list.stacks.map((stack) => stack.stack_id));
        const orphans = [...pods.items, ...services.items].filter(
          (object) =>
            !object.metadata?.deletionTimestamp &&
            !known.has(object.metadata?.labels?.["stackd.io/stack-id"] ?? ""),
        );
        const serviceNames = new Set(services.items.map((service) => service.metadata?.name));
        const settled = list.stacks.every((stack) => serviceNames.has(`svc-${stack.stack_id}`));
        return orphans.length === 0 && settled ? list.stacks : undefined;
      },
      60_000,
    );

    for (const stackId of acknowledged) expect(stacks.map((stack) => stack.stack_id)).toContain(stackId);
    const ports = stacks.map((stack) => stack.node_port);
    expect(new Set(ports).size).toBe(ports.length);
    const services = await kube.core.listNamespacedService({ namespace });
    for (const stack of stacks) {
      const service = services.items.find((item) => item.metadata?.name === `svc-${stack.stack_id}`);
      expect(service?.spec?.ports?.[0]?.nodePort).toBe(stack.node_port);
    }
    const stats = (await (await api("/stats")).json()) as { used_node_ports: number };
    expect(stats.used_node_ports).toBe(stacks.length);
  }, 120_000);
});

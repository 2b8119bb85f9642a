import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createTestNamespace,
  deleteTestNamespace,
  eventually,
  testKubeClient,
} from "../../helpers/cluster.ts";
import { podSpecYaml } from "../../helpers/stackd.ts";
import { StackdProcess } from "../../helpers/stackd-process.ts";

const kube = testKubeClient();
const dbDir = mkdtempSync(join(tmpdir(), "stackd-restart-"));
let namespace = "";
let stackd: StackdProcess;

const restartEnv = {
  K8S_CLIENT_QPS: "500",
  K8S_CLIENT_BURST: "1000",
  STACK_ORPHAN_GRACE: "1s",
  STACK_SCHEDULER_INTERVAL: "1s",
};

beforeAll(async () => {
  namespace = await createTestNamespace(kube, "restart");
});

afterAll(async () => {
  await stackd?.kill();
  await deleteTestNamespace(kube, namespace);
  rmSync(dbDir, { recursive: true, force: true });
});

describe("restart", () => {
  it("loses no acknowledged stack, leaves no orphan and leases no port twice after a kill mid-create", async () => {
    stackd = new StackdProcess(namespace, dbDir, restartEnv);
    await stackd.start();
    const body = JSON.stringify({ target_port: 80, pod_spec: podSpecYaml() });
    const acknowledged: string[] = [];
    let firstAnswer: () => void = () => {};
    const answered = new Promise<void>((resolve) => {
      firstAnswer = resolve;
    });
    const creates = Array.from({ length: 20 }, () =>
      stackd
        .api("/stacks", { method: "POST", body })
        .then(async (response) => {
          if (response.status === 201)
            acknowledged.push(((await response.json()) as { stack_id: string }).stack_id);
          firstAnswer();
        })
        .catch(() => {}),
    );
    await answered;
    await stackd.kill();
    await Promise.all(creates);
    expect(acknowledged.length).toBeGreaterThan(0);

    await stackd.start();

    const stacks = await eventually(
      "every acknowledged stack and nothing else",
      async () => {
        const list = (await (await stackd.api("/stacks")).json()) as {
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
    const stats = (await (await stackd.api("/stats")).json()) as { used_node_ports: number };
    expect(stats.used_node_ports).toBe(stacks.length);
  }, 120_000);
});

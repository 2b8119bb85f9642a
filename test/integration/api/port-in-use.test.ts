import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestNamespace, deleteTestNamespace, testKubeClient } from "../../helpers/cluster.ts";
import { podSpecYaml } from "../../helpers/stackd.ts";
import { StackdProcess } from "../../helpers/stackd-process.ts";

const kube = testKubeClient();
const firstDir = mkdtempSync(join(tmpdir(), "stackd-port-first-"));
const secondDir = mkdtempSync(join(tmpdir(), "stackd-port-second-"));
let namespace = "";
let first: StackdProcess;

beforeAll(async () => {
  namespace = await createTestNamespace(kube, "port-in-use");
  first = new StackdProcess(namespace, firstDir);
  await first.start();
});

afterAll(async () => {
  await first?.kill();
  await deleteTestNamespace(kube, namespace);
  rmSync(firstDir, { recursive: true, force: true });
  rmSync(secondDir, { recursive: true, force: true });
});

describe("a second stackd on a taken port", () => {
  it("exits with 1 naming the address, before touching the database or the cluster; the first still answers", async () => {
    const created = await first.api("/stacks", {
      method: "POST",
      body: JSON.stringify({ target_port: 80, pod_spec: podSpecYaml() }),
    });
    expect(created.status).toBe(201);
    const { stack_id: stackId } = (await created.json()) as { stack_id: string };
    const podBefore = await kube.core.readNamespacedPod({ name: stackId, namespace });

    // An empty database and no orphan grace: had it started, its first sweep would delete the first's stack.
    const second = new StackdProcess(
      namespace,
      secondDir,
      { STACK_ORPHAN_GRACE: "0s", LOG_LEVEL: "info" },
      first.port,
    );
    const { exitCode, stderr } = await second.runToExit();

    expect(exitCode).toBe(1);
    expect(stderr).toContain(`cannot listen on 127.0.0.1:${first.port}: address already in use`);
    expect(stderr).not.toContain("stackd ready");
    expect(existsSync(join(secondDir, "stackd.db"))).toBe(false);
    for (let request = 0; request < 20; request += 1) {
      const answer = await first.api(`/stacks/${stackId}`);
      expect(answer.status).toBe(200);
    }
    const podAfter = await kube.core.readNamespacedPod({ name: stackId, namespace });
    expect(podAfter.metadata?.uid).toBe(podBefore.metadata?.uid ?? "");
    expect(podAfter.metadata?.deletionTimestamp).toBeUndefined();
  }, 60_000);
});

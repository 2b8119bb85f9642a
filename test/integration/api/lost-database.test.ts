import { afterAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterSweeps, deleteTestNamespace, eventually, testKubeClient } from "../../helpers/cluster.ts";
import { podSpecYaml, startTestStackd, type TestStackd } from "../../helpers/stackd.ts";

const kube = testKubeClient();
const started: TestStackd[] = [];
let namespace = "";

afterAll(async () => {
  for (const service of started) await service.stop().catch(() => {});
  if (namespace) await deleteTestNamespace(kube, namespace);
});

const fastSweeps = { STACK_ORPHAN_GRACE: "1s", STACK_SCHEDULER_INTERVAL: "1s" };

describe("a lost database", () => {
  it("loses no stack: a stackd with an empty database rebuilds every stack from the cluster and sweeps none", async () => {
    const first = await startTestStackd(kube, fastSweeps);
    started.push(first);
    namespace = first.namespace;
    const created = [];
    for (let index = 0; index < 2; index += 1) {
      const answer = await first.call("POST", "/stacks", { target_port: 80, pod_spec: podSpecYaml() });
      expect(answer.status).toBe(201);
      created.push(answer.body);
    }
    await eventually("both running", async () => {
      const list = (await first.call("GET", "/stacks")).body.stacks as Array<{ status: string }>;
      return list.every((stack) => stack.status === "running") ? true : undefined;
    });
    const running = (await first.call("GET", "/stacks")).body.stacks;
    const podUids = new Map<string, string | undefined>();
    for (const stack of running) {
      const pod = await kube.core.readNamespacedPod({ name: stack.pod_id, namespace });
      podUids.set(stack.stack_id, pod.metadata?.uid);
    }
    await first.stop();
    started.pop();

    const emptyDir = mkdtempSync(join(tmpdir(), "stackd-lost-db-"));
    const second = await startTestStackd(kube, fastSweeps, { namespace, dbDir: emptyDir });
    started.push(second);
    try {
      const rebuilt = await eventually("the stacks to come back running", async () => {
        const list = (await second.call("GET", "/stacks")).body.stacks as Array<Record<string, unknown>>;
        return list.length === 2 && list.every((stack) => stack.status === "running") ? list : undefined;
      });
      const pick = (stack: Record<string, unknown>) => ({
        stack_id: stack.stack_id,
        node_id: stack.node_id,
        node_public_ip: stack.node_public_ip,
        node_port: stack.node_port,
        target_port: stack.target_port,
        pod_spec: stack.pod_spec,
        created_at: stack.created_at,
        ttl_expires_at: stack.ttl_expires_at,
        requested_cpu_milli: stack.requested_cpu_milli,
        requested_memory_bytes: stack.requested_memory_bytes,
      });
      const byId = (list: Array<Record<string, unknown>>) =>
        list.map(pick).sort((a, b) => String(a.stack_id).localeCompare(String(b.stack_id)));
      expect(byId(rebuilt)).toEqual(byId(running));
      // Three 1 s sweeps later (the last begins past the 1 s orphan grace), every Pod is still the same one.
      await afterSweeps(second.stackd.sync, 3);
      for (const [stackId, uid] of podUids) {
        const pod = await kube.core.readNamespacedPod({ name: stackId, namespace });
        expect(pod.metadata?.uid).toBe(uid);
      }
      expect((await second.call("GET", "/stats")).body.used_node_ports).toBe(2);
    } finally {
      rmSync(emptyDir, { recursive: true, force: true });
    }
  }, 60_000);
});

import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTypedKubeClient, type TypedKubeClient } from "../../../src/kube/typed-api.ts";
import { type ClusterState, down, readState, up } from "../../../tools/cluster/control-plane.ts";
import { clusterFiles } from "../../../tools/cluster/paths.ts";
import { createTestNamespace, eventually } from "../../helpers/cluster.ts";
import { smallDisk } from "../../helpers/small-disk.ts";
import { podSpecYaml, startTestStackd, testApiKey } from "../../helpers/stackd.ts";
import { StackdProcess } from "../../helpers/stackd-process.ts";

/**
 * Faults need a control plane of their own: these tests stop its API server and scheduler, which
 * would disturb any other test or dev server on the shared cluster.
 */
const clusterDirectory = mkdtempSync(join(tmpdir(), "stackd-faults-"));
const work = mkdtempSync(join(tmpdir(), "stackd-faults-data-"));
let kube: TypedKubeClient;
let kubeconfig = "";
let state: ClusterState;

beforeAll(async () => {
  await up(clusterDirectory, () => {});
  kubeconfig = clusterFiles(clusterDirectory).adminKubeconfig;
  kube = createTypedKubeClient({ kubeconfigPath: kubeconfig });
  state = readState(clusterDirectory) as ClusterState;
}, 120_000);

afterAll(async () => {
  for (const pid of Object.values(state?.pids ?? {})) signal(pid, "SIGCONT");
  await down(clusterDirectory);
  rmSync(clusterDirectory, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

function signal(pid: number, name: "SIGSTOP" | "SIGCONT"): void {
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

const body = (extra = "") => JSON.stringify({ target_port: 80, pod_spec: `${podSpecYaml()}${extra}` });

async function objectsIn(namespace: string): Promise<{ pods: string[]; services: string[] }> {
  const pods = await kube.core.listNamespacedPod({ namespace });
  const services = await kube.core.listNamespacedService({ namespace });
  return {
    pods: pods.items.map((pod) => pod.metadata?.name ?? "").sort(),
    services: services.items.map((service) => service.metadata?.name ?? "").sort(),
  };
}

function processFor(namespace: string, env: Record<string, string> = {}) {
  return new StackdProcess(namespace, mkdtempSync(join(work, "db-")), {
    K8S_KUBECONFIG: kubeconfig,
    STACK_SCHEDULING_TIMEOUT: "5s",
    K8S_REQUEST_TIMEOUT: "3s",
    STACK_ORPHAN_GRACE: "2s",
    STACK_SCHEDULER_INTERVAL: "1s",
    ...env,
  });
}

describe("faults against a control plane of the tests' own", () => {
  it("rolls back a create whose client went away while the scheduler was paused", async () => {
    const namespace = await createTestNamespace(kube, "fault-client");
    const stackd = processFor(namespace, { STACK_SCHEDULING_TIMEOUT: "30s" });
    await stackd.start();
    try {
      signal(state.pids["kube-scheduler"], "SIGSTOP");
      const client = new AbortController();
      const answer = fetch(`${stackd.base}/stacks`, {
        method: "POST",
        headers: { "x-api-key": testApiKey },
        body: body(),
        signal: client.signal,
      }).catch(() => "aborted");
      await eventually("the pod to exist", async () =>
        (await objectsIn(namespace)).pods.length > 0 ? true : undefined,
      );
      client.abort();
      expect(await answer).toBe("aborted");
      signal(state.pids["kube-scheduler"], "SIGCONT");
      await eventually(
        "everything to be rolled back",
        async () => {
          const objects = await objectsIn(namespace);
          return objects.pods.length + objects.services.length === 0 ? true : undefined;
        },
        60_000,
      );
      const stacks = (await (await stackd.api("/stacks")).json()) as { stacks: unknown[] };
      expect(stacks.stacks).toEqual([]);
    } finally {
      signal(state.pids["kube-scheduler"], "SIGCONT");
      await stackd.kill();
    }
  }, 120_000);

  it("answers creates and deletes within their bounds while the API server is stopped for 60 s, and leaves nothing behind", async () => {
    const namespace = await createTestNamespace(kube, "fault-apiserver");
    const stackd = processFor(namespace);
    await stackd.start();
    const apiserver = state.pids["kube-apiserver"];
    try {
      const create = () => stackd.api("/stacks", { method: "POST", body: body() });
      const kept = (await (await create()).json()) as { stack_id: string };
      const doomed = (await (await create()).json()) as { stack_id: string };
      const stoppedAt = Date.now();
      signal(apiserver, "SIGSTOP");
      // A client that gives up after 20 s, as a patient CTF platform would.
      const during = await Promise.all([
        ...Array.from({ length: 3 }, () =>
          stackd.api("/stacks", {
            method: "POST",
            body: body(),
            signal: AbortSignal.timeout(20_000),
          } as never),
        ),
        fetch(`${stackd.base}/stacks/${doomed.stack_id}`, {
          method: "DELETE",
          headers: { "x-api-key": testApiKey },
          signal: AbortSignal.timeout(20_000),
        }),
      ]);
      const answers = await Promise.all(
        during.map(async (response) => ({ status: response.status, body: await response.json() })),
      );
      expect(answers.slice(0, 3).map((answer) => answer.status)).toEqual([503, 503, 503]);
      for (const answer of answers.slice(0, 3))
        expect(answer.body.error).toStartWith("kubernetes unavailable: ");
      expect(answers[3]).toEqual({ status: 200, body: { deleted: true, stack_id: doomed.stack_id } });
      const during2 = (await (await stackd.api(`/stacks/${doomed.stack_id}`)).json()) as { status: string };
      expect(during2.status).toBe("stopped");
      // The watches notice the silent API server within their 30 s watchdog, and readiness says so.
      const notReady = await eventually(
        "/readyz to say not ready",
        async () => {
          const response = await fetch(`${stackd.base}/readyz`);
          return response.status === 503 ? ((await response.json()) as { status: string }) : undefined;
        },
        45_000,
      );
      expect(notReady.status).toBe("not ready");
      // The outage is the thing tested: the API server stays stopped for the whole 60 s the test names.
      await Bun.sleep(Math.max(0, 60_000 - (Date.now() - stoppedAt)));
      signal(apiserver, "SIGCONT");
      await eventually(
        "only the kept stack's Pod and Service to remain",
        async () => {
          const objects = await objectsIn(namespace);
          const expected = { pods: [kept.stack_id], services: [`svc-${kept.stack_id}`] };
          return JSON.stringify(objects) === JSON.stringify(expected) ? true : undefined;
        },
        60_000,
      );
      await eventually("/readyz to say ready again", async () =>
        (await fetch(`${stackd.base}/readyz`)).status === 200 ? true : undefined,
      );
      await eventually("stackd to list only the kept stack", async () => {
        const list = (await (await stackd.api("/stacks")).json()) as { stacks: Array<{ stack_id: string }> };
        return list.stacks.map((stack) => stack.stack_id).join() === kept.stack_id ? true : undefined;
      });
    } finally {
      signal(apiserver, "SIGCONT");
      await stackd.kill();
    }
  }, 180_000);

  it("keeps every acknowledged stack and leaves no orphan after kill -9 during a burst of creates", async () => {
    const namespace = await createTestNamespace(kube, "fault-kill");
    const dataDir = mkdtempSync(join(work, "kill-"));
    const env = { K8S_KUBECONFIG: kubeconfig, STACK_ORPHAN_GRACE: "2s", STACK_SCHEDULER_INTERVAL: "1s" };
    const first = new StackdProcess(namespace, dataDir, env);
    await first.start();
    const acknowledged: string[] = [];
    const burst = Array.from({ length: 30 }, async () => {
      const response = await first.api("/stacks", { method: "POST", body: body() }).catch(() => undefined);
      if (response?.status === 201)
        acknowledged.push(((await response.json()) as { stack_id: string }).stack_id);
    });
    await eventually("some creates to be answered", async () =>
      acknowledged.length >= 5 ? true : undefined,
    );
    await first.kill();
    await Promise.all(burst);
    const second = new StackdProcess(namespace, dataDir, env);
    await second.start();
    try {
      await eventually(
        "the cluster to hold exactly stackd's stacks",
        async () => {
          const list = (await (await second.api("/stacks")).json()) as {
            stacks: Array<{ stack_id: string }>;
          };
          const known = list.stacks.map((stack) => stack.stack_id).sort();
          const objects = await objectsIn(namespace);
          const settled =
            JSON.stringify(objects.pods) === JSON.stringify(known) &&
            JSON.stringify(objects.services) === JSON.stringify(known.map((id) => `svc-${id}`).sort());
          return settled ? known : undefined;
        },
        60_000,
      ).then((known) => expect(known).toEqual(expect.arrayContaining(acknowledged)));
    } finally {
      await second.kill();
    }
  }, 120_000);
});

describe("a full disk", () => {
  const disk = smallDisk(work);
  const mountPoint = disk.path;

  it("answers creates 503 while the disk is full, keeps serving reads, and recovers when space returns", async () => {
    if (!disk.mounted) throw new Error("this test mounts a small tmpfs and needs root (CI runs as root)");
    const service = await startTestStackd(kube, {}, { dbDir: mountPoint });
    try {
      const kept = await service.call("POST", "/stacks", { target_port: 80, pod_spec: podSpecYaml() });
      expect(kept.status).toBe(201);
      const filler = join(mountPoint, "filler");
      const chunk = Buffer.alloc(64 * 1024, 1);
      try {
        for (let index = 0; index < 64; index += 1) writeFileSync(filler, chunk, { flag: "a" });
      } catch {
        // the disk is full now
      }
      const refused = await eventually("a create refused for lack of space", async () => {
        const answer = await service.call("POST", "/stacks", { target_port: 80, pod_spec: podSpecYaml() });
        return answer.status === 503 ? answer : undefined;
      });
      expect(refused.body.error).toStartWith("database unavailable: ");
      expect((await service.call("GET", `/stacks/${kept.body.stack_id}`)).status).toBe(200);
      expect((await service.call("GET", "/stacks")).status).toBe(200);
      rmSync(filler);
      const again = await eventually("creates to work again", async () => {
        const answer = await service.call("POST", "/stacks", { target_port: 80, pod_spec: podSpecYaml() });
        return answer.status === 201 ? answer : undefined;
      });
      expect(again.body.status).toMatch(/creating|running/);
    } finally {
      await service.stop();
    }
  }, 60_000);
});

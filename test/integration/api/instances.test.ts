import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { V1Pod } from "@kubernetes/client-node";
import {
  afterSweeps,
  createTestNamespace,
  deleteTestNamespace,
  eventually,
  gone,
  testKubeClient,
  testPod,
} from "../../helpers/cluster.ts";
import { podSpecYaml, startTestStackd, type TestStackd } from "../../helpers/stackd.ts";

const kube = testKubeClient();
/** Short enough that every object below is past the grace after a few sweep periods. */
const sweepEnv = { STACK_ORPHAN_GRACE: "1s", STACK_SCHEDULER_INTERVAL: "1s" };
/**
 * Sweeps (1 s apart) to wait for after the objects exist: the last begins more than the 1 s grace
 * after them, so it would have deleted any it took for an orphan.
 */
const sweepsPastGrace = 3;
let namespace = "";
const running: TestStackd[] = [];

async function start(instance: string | undefined, dbDir?: string): Promise<TestStackd> {
  const env = instance === undefined ? sweepEnv : { ...sweepEnv, STACKD_INSTANCE: instance };
  const stackd = await startTestStackd(kube, env, { namespace, ...(dbDir ? { dbDir } : {}) });
  running.push(stackd);
  return stackd;
}

async function stop(stackd: TestStackd): Promise<void> {
  running.splice(running.indexOf(stackd), 1);
  await stackd.stop();
}

async function createStacks(stackd: TestStackd, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index += 1) {
    const { status, body } = await stackd.call("POST", "/stacks", {
      target_port: 80,
      pod_spec: podSpecYaml(),
    });
    expect(status).toBe(201);
    ids.push(body.stack_id);
  }
  return ids;
}

async function listedIds(stackd: TestStackd): Promise<string[]> {
  const { body } = await stackd.call("GET", "/stacks");
  return (body.stacks as Array<{ stack_id: string }>).map((stack) => stack.stack_id).sort();
}

/** Every Pod and Service in the namespace by kind and name, with its uid (a re-created object has a new one). */
async function objectsInNamespace(): Promise<Map<string, string>> {
  const [pods, services] = await Promise.all([
    kube.core.listNamespacedPod({ namespace }),
    kube.core.listNamespacedService({ namespace }),
  ]);
  const objects = new Map<string, string>();
  for (const pod of pods.items)
    if (!pod.metadata?.deletionTimestamp) objects.set(`pod/${pod.metadata?.name}`, pod.metadata?.uid ?? "");
  for (const service of services.items)
    if (!service.metadata?.deletionTimestamp)
      objects.set(`service/${service.metadata?.name}`, service.metadata?.uid ?? "");
  return objects;
}

const objectNames = (stackIds: string[]) =>
  stackIds.flatMap((stackId) => [`pod/${stackId}`, `service/svc-${stackId}`]).sort();

/** Removes the instance label, so the object looks like one made by a stackd from before the label. */
async function dropInstanceLabel(kind: "pods" | "services", name: string): Promise<void> {
  await kube.transport.send("PATCH", `/api/v1/namespaces/${namespace}/${kind}/${name}`, {
    body: [{ op: "remove", path: "/metadata/labels/stackd.io~1instance" }],
    contentType: "application/json-patch+json",
  });
}

beforeEach(async () => {
  namespace = await createTestNamespace(kube, "instances");
});

afterEach(async () => {
  for (const stackd of running.splice(0)) await stackd.stop();
  await deleteTestNamespace(kube, namespace);
});

describe("two stackd instances on one namespace", () => {
  it("each lists only its own stacks, and neither sweeps the other's Pods and Services", async () => {
    const first = await start("ctf-a");
    const second = await start("ctf-b");
    const firstIds = await createStacks(first, 2);
    const secondIds = await createStacks(second, 2);
    const before = await objectsInNamespace();
    expect([...before.keys()].sort()).toEqual(objectNames([...firstIds, ...secondIds]));

    await Promise.all([
      afterSweeps(first.stackd.sync, sweepsPastGrace),
      afterSweeps(second.stackd.sync, sweepsPastGrace),
    ]);

    expect(await first.stackd.sync.sweepOrphans()).toBe(0);
    expect(await second.stackd.sync.sweepOrphans()).toBe(0);
    expect(await objectsInNamespace()).toEqual(before);
    expect(await listedIds(first)).toEqual(firstIds.sort());
    expect(await listedIds(second)).toEqual(secondIds.sort());
    expect((await second.call("GET", `/stacks/${firstIds[0]}`)).status).toBe(404);
    const pod = await kube.core.readNamespacedPod({ name: secondIds[0] ?? "", namespace });
    expect(pod.metadata?.labels?.["stackd.io/instance"]).toBe("ctf-b");
    expect(pod.metadata?.labels?.["app.kubernetes.io/instance"]).toBe(secondIds[0]);
  }, 60_000);

  it("still sweeps its own orphans", async () => {
    await start("ctf-a");
    await start("ctf-b");
    // A Pod labelled as ctf-a's with no stack and no Service record (a lost database now rebuilds a
    // stack from its Service, so an orphan is what has no record anywhere).
    const orphan = "stack-00000000000000c1";
    const body: V1Pod = testPod(orphan, {
      labels: {
        "app.kubernetes.io/managed-by": "stackd",
        "stackd.io/instance": "ctf-a",
        "stackd.io/stack-id": orphan,
      },
    });
    await kube.core.createNamespacedPod({ namespace, body });
    await eventually("the orphan Pod deleted by ctf-a", () =>
      gone(() => kube.core.readNamespacedPod({ name: orphan, namespace })),
    );
  }, 60_000);
});

describe("two writers on one instance", () => {
  it("refuses a second stackd on the same instance, naming the process that holds it", async () => {
    const first = await start("ctf-a");
    const [stackId] = await createStacks(first, 1);
    const second = startTestStackd(
      kube,
      { ...sweepEnv, STACKD_INSTANCE: "ctf-a", LEADER_ELECTION_IDENTITY: "second" },
      { namespace },
    );
    await expect(second).rejects.toThrow(/^instance ctf-a is held by \S+ since /);
    expect((await first.call("GET", `/stacks/${stackId}/status`)).status).toBe(200);
  }, 60_000);

  it("adopts, and never sweeps, the stacks another writer of its instance acknowledged", async () => {
    // Two writers on one instance is what a deleted Lease or a renamed Lease made possible: each one
    // must judge the other's objects by the record on their Service, not by its own actors.
    const first = await start("ctf-a");
    const intruder = await startTestStackd(
      kube,
      { ...sweepEnv, STACKD_INSTANCE: "ctf-a", LEADER_ELECTION_NAME: "another-lease" },
      { namespace },
    );
    running.push(intruder);
    const acknowledged = await createStacks(intruder, 2);
    await eventually("the first writer to adopt both stacks", async () => {
      const ids = await listedIds(first);
      return acknowledged.every((id) => ids.includes(id)) ? true : undefined;
    });
    const before = await objectsInNamespace();
    expect(await first.stackd.sync.sweepOrphans()).toBe(0);
    await eventually("an adopted stack to report running", async () => {
      const { body } = await first.call("GET", `/stacks/${acknowledged[0]}/status`);
      return body.status === "running" ? true : undefined;
    });
    expect(await objectsInNamespace()).toEqual(before);
  }, 60_000);
});

describe("objects made before the instance label", () => {
  it("are adopted by the default instance and ignored by a named one", async () => {
    const dbDir = mkdtempSync(join(tmpdir(), "stackd-upgrade-"));
    try {
      const before = await start(undefined, dbDir);
      const [kept] = await createStacks(before, 1);
      const stackId = kept ?? "";
      await stop(before);
      await dropInstanceLabel("pods", stackId);
      await dropInstanceLabel("services", `svc-${stackId}`);
      const legacyOrphan: V1Pod = testPod("legacy-orphan", {
        labels: { "app.kubernetes.io/managed-by": "stackd", "stackd.io/stack-id": "stack-legacy" },
      });
      await kube.core.createNamespacedPod({ namespace, body: legacyOrphan });

      const named = await start("ctf-b");
      await afterSweeps(named.stackd.sync, sweepsPastGrace);
      expect(await named.stackd.sync.sweepOrphans()).toBe(0);
      expect(await listedIds(named)).toEqual([]);
      const untouched = await objectsInNamespace();
      expect([...untouched.keys()].sort()).toEqual(["pod/legacy-orphan", ...objectNames([stackId])].sort());

      const upgraded = await start(undefined, dbDir);
      await eventually("the legacy orphan swept by the default instance", () =>
        gone(() => kube.core.readNamespacedPod({ name: "legacy-orphan", namespace })),
      );
      await eventually("the unlabelled stack running under the default instance", async () => {
        const { body } = await upgraded.call("GET", `/stacks/${stackId}/status`);
        return body.status === "running" ? true : undefined;
      });
      const after = await objectsInNamespace();
      expect(after.get(`pod/${stackId}`)).toBe(untouched.get(`pod/${stackId}`));
      expect(after.get(`service/svc-${stackId}`)).toBe(untouched.get(`service/svc-${stackId}`));
    } finally {
      rmSync(dbDir, { recursive: true, force: true });
    }
  }, 90_000);
});

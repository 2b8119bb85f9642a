import { afterAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually, testKubeClient } from "../../helpers/cluster.ts";
import { smallDisk } from "../../helpers/small-disk.ts";
import { podSpecYaml, startTestStackd, stopAndRemove, type TestStackd } from "../../helpers/stackd.ts";

const kube = testKubeClient();
const work = mkdtempSync(join(tmpdir(), "stackd-full-disk-"));
const disk = smallDisk(work);
const mountPoint = disk.path;
let service: TestStackd | undefined;

afterAll(async () => {
  await stopAndRemove(kube, service);
  rmSync(work, { recursive: true, force: true });
});

/** The names of the namespace's Pods that are not being deleted, sorted. */
async function livePods(namespace: string): Promise<string[]> {
  const pods = await kube.core.listNamespacedPod({ namespace });
  return pods.items
    .filter((pod) => !pod.metadata?.deletionTimestamp)
    .map((pod) => pod.metadata?.name ?? "")
    .sort();
}

async function allPods(namespace: string): Promise<string[]> {
  const pods = await kube.core.listNamespacedPod({ namespace });
  return pods.items.map((pod) => pod.metadata?.name ?? "").sort();
}

describe("POST /stacks on a full disk", () => {
  // A create refused by a full disk answered 503 and left a `failed` record and its Pod.
  it("leaves no record and no Pod of a refused create, and makes no Pod while the disk stays full", async () => {
    if (!disk.mounted) throw new Error("this test mounts a small tmpfs and needs root (CI runs as root)");
    service = await startTestStackd(kube, {}, { dbDir: mountPoint });
    const { namespace } = service;
    const create = () =>
      (service as TestStackd).call("POST", "/stacks", { target_port: 80, pod_spec: podSpecYaml() });
    const kept = [(await create()).body.stack_id as string];
    try {
      for (let index = 0; index < 64; index += 1)
        writeFileSync(join(mountPoint, "filler"), Buffer.alloc(64 * 1024, 1), { flag: "a" });
    } catch {
      // the disk is full now
    }
    const refused = await eventually("a create refused for lack of space", async () => {
      const answer = await create();
      if (answer.status === 201) kept.push(answer.body.stack_id);
      return answer.status === 503 ? answer : undefined;
    });
    // Read at once: the answer comes only after the rollback.
    const listed = (await service.call("GET", "/stacks")).body.stacks as Array<{ stack_id: string }>;
    const pods = await livePods(namespace);
    expect(refused.body.error).toStartWith("database unavailable: ");
    expect(listed.map((stack) => stack.stack_id).sort()).toEqual([...kept].sort());
    expect(pods).toEqual([...kept].sort());

    await eventually("the refused create's Pod to be gone", async () =>
      JSON.stringify(await allPods(namespace)) === JSON.stringify([...kept].sort()) ? true : undefined,
    );
    const again = await create();
    expect(again.status).toBe(503);
    expect(await allPods(namespace)).toEqual([...kept].sort());
  }, 60_000);
});

import { afterEach, describe, expect, it } from "bun:test";
import { createTestNamespace, eventually, testKubeClient } from "../../helpers/cluster.ts";
import { podSpecYaml, startTestStackd, stopAndRemove, type TestStackd } from "../../helpers/stackd.ts";

const kube = testKubeClient();
let service: TestStackd | undefined;

afterEach(async () => {
  await stopAndRemove(kube, service);
  service = undefined;
});

/**
 * Creates `count` stacks, `parallel` at a time, and answers their ids. A 503 is retried after its
 * Retry-After, as the contract's clients do (a loaded test machine can make the API server slow).
 */
async function createStacks(stackd: TestStackd, count: number, parallel = 20): Promise<string[]> {
  const ids: string[] = [];
  const body = { target_port: 80, pod_spec: podSpecYaml({ cpu: "10m" }) };
  let next = 0;
  const createOne = async () => {
    for (let attempt = 1; ; attempt += 1) {
      const answer = await stackd.call("POST", "/stacks", body);
      if (answer.status === 503 && attempt < 10) {
        // The client's backoff (stackd's Retry-After is 1 s), not a wait for a state the test could see.
        await Bun.sleep(1_000);
        continue;
      }
      expect(`${answer.status} ${answer.body.error ?? ""}`).toBe("201 ");
      return answer.body.stack_id as string;
    }
  };
  const worker = async () => {
    while (next < count) {
      next += 1;
      ids.push(await createOne());
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return ids;
}

/** Live stackd Pods and Services of the namespace. */
async function clusterObjects(namespace: string): Promise<number> {
  const selector = { namespace, labelSelector: "app.kubernetes.io/managed-by=stackd" };
  const [pods, services] = await Promise.all([
    kube.core.listNamespacedPod(selector),
    kube.core.listNamespacedService(selector),
  ]);
  const live = (items: Array<{ metadata?: { deletionTimestamp?: Date } }>) =>
    items.filter((item) => !item.metadata?.deletionTimestamp).length;
  return live(pods.items) + live(services.items);
}

describe("POST /stacks/batch-delete against the cluster", () => {
  it("deletes 500 stacks and counts 20 unknown ids as not_found, leaving nothing behind", async () => {
    const namespace = await createTestNamespace(kube, "batch");
    service = await startTestStackd(kube, {}, { namespace });
    const stackd = service;
    const createStarted = performance.now();
    const ids = await createStacks(stackd, 500);
    const createSeconds = (performance.now() - createStarted) / 1000;
    const unknown = Array.from({ length: 20 }, (_, index) => `stack-${index.toString(16).padStart(16, "f")}`);
    // Duplicates and padding are dropped: 520 distinct ids.
    const requested = [...ids.map((id) => ` ${id} `), ...unknown, ...ids.slice(0, 50)];
    const started = performance.now();
    const submitted = await stackd.call("POST", "/stacks/batch-delete", { stack_ids: requested });
    expect(submitted.status).toBe(202);
    expect(performance.now() - started).toBeLessThan(1_000);
    const jobId = submitted.body.job_id as string;
    const job = await eventually(
      "the batch delete to finish",
      async () => {
        const answer = await stackd.call("GET", `/stacks/batch-delete/${jobId}`);
        expect(answer.status).toBe(200);
        return answer.body.status === "completed" || answer.body.status === "failed"
          ? answer.body
          : undefined;
      },
      60_000,
    );
    const jobSeconds = (performance.now() - started) / 1000;
    expect(job).toMatchObject({
      job_id: jobId,
      status: "completed",
      total: 520,
      deleted: 500,
      not_found: 20,
      failed: 0,
      errors: [],
    });
    // As after DELETE: each stack reads as stopped at once, and goes when its Pod and Service are gone.
    const listed = (await stackd.call("GET", "/stacks")).body.stacks as Array<{ status: string }>;
    expect(listed.filter((stack) => stack.status !== "stopped")).toEqual([]);
    await eventually(
      "every Pod and Service to be deleted",
      async () => ((await clusterObjects(namespace)) === 0 ? true : undefined),
      60_000,
    );
    await eventually(
      "every stack to go",
      async () => ((await stackd.call("GET", "/stacks")).body.stacks.length === 0 ? true : undefined),
      30_000,
    );
    console.info(
      `batch delete: 500 stacks created in ${createSeconds.toFixed(1)} s; job of 520 ids done in ${jobSeconds.toFixed(1)} s`,
    );
  }, 180_000);

  it("keeps a finished job readable after a restart, and answers 404 for an unknown one", async () => {
    const namespace = await createTestNamespace(kube, "batch");
    const dbDir = (await import("node:fs")).mkdtempSync(
      `${(await import("node:os")).tmpdir()}/stackd-batch-`,
    );
    service = await startTestStackd(kube, {}, { namespace, dbDir });
    const [stackId] = await createStacks(service, 1, 1);
    const submitted = await service.call("POST", "/stacks/batch-delete", {
      stack_ids: [stackId, "stack-nope"],
    });
    const jobId = submitted.body.job_id as string;
    const stackd = service;
    await eventually("the job to finish", async () =>
      (await stackd.call("GET", `/stacks/batch-delete/${jobId}`)).body.status === "completed"
        ? true
        : undefined,
    );
    await service.stop();
    service = await startTestStackd(kube, {}, { namespace, dbDir });
    const again = await service.call("GET", `/stacks/batch-delete/${jobId}`);
    expect(again.body).toMatchObject({ status: "completed", total: 2, deleted: 1, not_found: 1 });
    const unknown = await service.call("GET", "/stacks/batch-delete/job-ffffffffffffffff");
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toStartWith("batch delete job not found");
  }, 60_000);
});

import { describe, expect, it } from "bun:test";
import { eventually, testKubeClient } from "../../helpers/cluster.ts";
import { type ReplicaSet, replicaCases } from "../../helpers/replicas.ts";
import { podSpecYaml } from "../../helpers/stackd.ts";
import type { StackdProcess } from "../../helpers/stackd-process.ts";

const kube = testKubeClient();
const cases = replicaCases(kube, "ha-ext");
let set: ReplicaSet;

// biome-ignore lint/suspicious/noExplicitAny: answers are asserted field by field.
type Answer = { status: number; body: any };

async function call(replica: StackdProcess, path: string, method = "GET", body?: unknown): Promise<Answer> {
  const response = await replica.api(path, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

describe("TTL extend and batch delete with two replicas", () => {
  it("takes both through a follower, and keeps the extension (not the job) across a takeover", async () => {
    set = cases.start({
      STACK_TTL: "15s",
      STACK_ORPHAN_GRACE: "2s",
      STACK_SCHEDULER_INTERVAL: "1s",
    });
    for (let index = 0; index < 2; index += 1) await set.add();
    const leader = await set.leader();
    const follower = set.replicas.find((replica) => replica !== leader) as StackdProcess;

    const created = await call(follower, "/stacks", "POST", { target_port: 80, pod_spec: podSpecYaml() });
    expect(created.status).toBe(201);
    const stackId = created.body.stack_id as string;
    // A control stack that is never extended and expires no earlier than the old expiry: once it is
    // gone, the extended stack has lived past its old expiry.
    const control = await call(follower, "/stacks", "POST", { target_port: 80, pod_spec: podSpecYaml() });
    expect(control.status).toBe(201);
    const controlId = control.body.stack_id as string;
    const controlExpiry = Date.parse(control.body.ttl_expires_at);
    expect(controlExpiry).toBeGreaterThanOrEqual(Date.parse(created.body.ttl_expires_at));
    const extended = await call(follower, `/stacks/${stackId}/extend`, "POST", { ttl: "35s" });
    expect(extended.status).toBe(200);
    const newExpiry = extended.body.ttl_expires_at as string;
    // The follower's own view shows the write at once (it waited for its watch).
    expect((await call(follower, `/stacks/${stackId}`)).body.ttl_expires_at).toBe(newExpiry);

    const submitted = await call(follower, "/stacks/batch-delete", "POST", {
      stack_ids: ["stack-ffffffffffffffff"],
    });
    expect(submitted.status).toBe(202);
    const jobId = submitted.body.job_id as string;
    const job = await eventually("the job, read through the follower, to finish", async () => {
      const answer = await call(follower, `/stacks/batch-delete/${jobId}`);
      expect(answer.status).toBe(200);
      return answer.body.status === "completed" ? answer.body : undefined;
    });
    expect(job).toMatchObject({ total: 1, deleted: 0, not_found: 1 });

    await leader.kill();
    const newLeader = await set.leader();
    expect(newLeader).toBe(follower);
    expect((await call(newLeader, `/stacks/${stackId}`)).body.ttl_expires_at).toBe(newExpiry);
    const lost = await call(newLeader, `/stacks/batch-delete/${jobId}`);
    expect(lost.status).toBe(404);
    expect(lost.body.error).toContain("lost when another replica took over as leader");

    const controlGone = await eventually(
      "the new leader to end the control stack at its expiry",
      async () => ((await call(newLeader, `/stacks/${controlId}`)).status === 404 ? Date.now() : undefined),
      40_000,
    );
    expect(controlGone).toBeGreaterThanOrEqual(controlExpiry);
    const afterOld = await call(newLeader, `/stacks/${stackId}`);
    expect(afterOld.status).toBe(200);
    expect(afterOld.body.status_reason).toBeNull();
    const gone = await eventually(
      "the new leader to end the stack at its extended expiry",
      async () => ((await call(newLeader, `/stacks/${stackId}`)).status === 404 ? Date.now() : undefined),
      40_000,
    );
    expect(gone).toBeGreaterThanOrEqual(Date.parse(newExpiry));
  }, 120_000);
});

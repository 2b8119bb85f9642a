import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { createTestNamespace, deleteTestNamespace, testKubeClient } from "../../helpers/cluster.ts";
import { ReplicaSet } from "../../helpers/replicas.ts";
import { podSpecYaml } from "../../helpers/stackd.ts";
import type { StackdProcess } from "../../helpers/stackd-process.ts";

const kube = testKubeClient();
let namespace = "";
let set: ReplicaSet;

beforeAll(async () => {
  namespace = await createTestNamespace(kube, "ha-limits");
  set = new ReplicaSet(kube, namespace, {
    STACK_OWNER_LABEL: "team",
    STACK_MAX_PER_OWNER: "2",
    STACK_UNIQUE_LABELS: "team,challenge",
  });
  await set.add();
  await set.add();
  await set.add();
});

afterAll(async () => {
  await set?.stopAll();
  await deleteTestNamespace(kube, namespace);
});

async function create(replica: StackdProcess, labels: Record<string, string>) {
  const response = await replica.api("/stacks", {
    method: "POST",
    body: JSON.stringify({ target_port: 80, pod_spec: podSpecYaml({ cpu: "10m" }), labels }),
  });
  return { status: response.status, body: (await response.json()) as { error?: string; stack_id?: string } };
}

describe("per-owner limits on three replicas", () => {
  it("makes one stack of 50 identical creates spread over every replica, and a new leader still refuses it", async () => {
    await set.leader();
    const labels = { team: "1", challenge: "web" };
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, index) => create(set.replicas[index % 3] as StackdProcess, labels)),
    );
    const created = answers.filter((answer) => answer.status === 201);
    expect(created).toHaveLength(1);
    const stackId = created[0]?.body.stack_id as string;
    expect(stackId).toStartWith("stack-");
    const conflicts = answers.filter((answer) => answer.status === 409);
    expect(conflicts).toHaveLength(49);
    for (const conflict of conflicts)
      expect(conflict.body).toEqual({
        error: "a live stack already exists for team=1,challenge=web",
        stack_id: stackId,
      });

    const leader = await set.leader();
    await leader.kill();
    const next = await set.leader();
    expect(next).not.toBe(leader);
    const follower = set.replicas.find((replica) => replica !== leader && replica !== next) as StackdProcess;
    expect(await create(follower, labels)).toEqual({
      status: 409,
      body: { error: "a live stack already exists for team=1,challenge=web", stack_id: stackId },
    });
    expect((await create(follower, { team: "1", challenge: "pwn" })).status).toBe(201);
    expect(await create(next, { team: "1", challenge: "rev" })).toEqual({
      status: 429,
      body: { error: "stack limit reached for team=1" },
    });
  }, 120_000);
});

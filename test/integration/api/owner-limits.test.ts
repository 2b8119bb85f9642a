import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { testKubeClient } from "../../helpers/cluster.ts";
import { podSpecYaml, startTestStackd, stopAndRemove, type TestStackd } from "../../helpers/stackd.ts";

const kube = testKubeClient();
let service: TestStackd;

const createBody = (labels: Record<string, string>) => ({
  target_port: 80,
  pod_spec: podSpecYaml({ cpu: "10m" }),
  labels,
});

beforeAll(async () => {
  service = await startTestStackd(kube, {
    STACK_OWNER_LABEL: "team",
    STACK_MAX_PER_OWNER: "2",
    STACK_UNIQUE_LABELS: "team,challenge",
  });
});

afterAll(() => stopAndRemove(kube, service));

describe("POST /stacks with STACK_OWNER_LABEL=team, STACK_MAX_PER_OWNER=2, STACK_UNIQUE_LABELS=team,challenge", () => {
  it("makes exactly one stack of a burst of 50 identical creates: one 201 and 49 409s naming it", async () => {
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        service.call("POST", "/stacks", createBody({ team: "1", challenge: "web" })),
      ),
    );
    const created = answers.filter((answer) => answer.status === 201);
    expect(created).toHaveLength(1);
    const stackId = created[0]?.body.stack_id;
    const conflicts = answers.filter((answer) => answer.status === 409);
    expect(conflicts).toHaveLength(49);
    for (const conflict of conflicts)
      expect(conflict.body).toEqual({
        error: "a live stack already exists for team=1,challenge=web",
        stack_id: stackId,
      });
    const listed = await service.call("GET", "/stacks?label=team=1");
    expect(listed.body.stacks.map((stack: { stack_id: string }) => stack.stack_id)).toEqual([stackId]);
    const pods = await kube.core.listNamespacedPod({ namespace: service.namespace });
    expect(pods.items.map((pod) => pod.metadata?.name)).toEqual([stackId]);
  });

  it("answers 429 with the exact message once the team has its most live stacks", async () => {
    expect((await service.call("POST", "/stacks", createBody({ team: "2", challenge: "web" }))).status).toBe(
      201,
    );
    expect((await service.call("POST", "/stacks", createBody({ team: "2", challenge: "pwn" }))).status).toBe(
      201,
    );
    const third = await service.call("POST", "/stacks", createBody({ team: "2", challenge: "rev" }));
    expect(third).toEqual({ status: 429, body: { error: "stack limit reached for team=2" } });
  });

  it("frees the slot and the unique labels once the stack is deleted", async () => {
    const first = await service.call("POST", "/stacks", createBody({ team: "3", challenge: "web" }));
    expect(first.status).toBe(201);
    await service.call("POST", "/stacks", createBody({ team: "3", challenge: "pwn" }));
    expect((await service.call("POST", "/stacks", createBody({ team: "3", challenge: "rev" }))).status).toBe(
      429,
    );
    expect((await service.call("DELETE", `/stacks/${first.body.stack_id}`)).status).toBe(200);
    const again = await service.call("POST", "/stacks", createBody({ team: "3", challenge: "web" }));
    expect(again.status).toBe(201);
    expect(again.body.stack_id).not.toBe(first.body.stack_id);
  });

  it("refuses a create without the owner label with 400 naming it", async () => {
    const answer = await service.call("POST", "/stacks", createBody({ challenge: "web" }));
    expect(answer).toEqual({ status: 400, body: { error: "invalid labels: labels.team is required" } });
  });
});

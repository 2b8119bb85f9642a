import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import {
  createTestNamespace,
  deleteTestNamespace,
  eventually,
  testKubeClient,
} from "../../helpers/cluster.ts";
import { ReplicaSet } from "../../helpers/replicas.ts";
import type { StackdProcess } from "../../helpers/stackd-process.ts";

const kube = testKubeClient();
const flag = "flag{follower-reads-it-9c2a}";
let namespace = "";
let set: ReplicaSet;

beforeAll(async () => {
  namespace = await createTestNamespace(kube, "ha-env");
  set = new ReplicaSet(kube, namespace);
  await set.add();
  await set.add();
});

afterAll(async () => {
  await set?.stopAll();
  await deleteTestNamespace(kube, namespace);
});

const podSpec = [
  "apiVersion: v1",
  "kind: Pod",
  "spec:",
  "  containers:",
  "  - name: dns",
  "    image: coredns/coredns",
  "    ports: [{containerPort: 53, protocol: TCP}, {containerPort: 53, protocol: UDP}]",
  '    resources: {limits: {cpu: "50m", memory: 32Mi}}',
].join("\n");

// biome-ignore lint/suspicious/noExplicitAny: records are compared field by field.
const json = async (replica: StackdProcess, path: string): Promise<any> => (await replica.api(path)).json();

describe("v1.2 ports, labels and env on several replicas", () => {
  it("a follower and then a new leader answer the same record, filters and include=env", async () => {
    const leader = await set.leader();
    const follower = set.replicas.find((replica) => replica !== leader) as StackdProcess;
    const response = await follower.api("/stacks", {
      method: "POST",
      body: JSON.stringify({
        target_port: [
          { container_port: 53, protocol: "UDP" },
          { container_port: 53, protocol: "TCP" },
        ],
        pod_spec: podSpec,
        labels: { team: "7" },
        env: { FLAG: flag },
      }),
    });
    expect(response.status).toBe(201);
    const created = (await response.json()) as { stack_id: string; ports: unknown; labels: unknown };
    const stackId = created.stack_id;
    expect(JSON.stringify(created)).not.toContain(flag);

    const { updated_at: _leaderAt, ...onLeader } = await eventually("running on the leader", async () => {
      const record = await json(leader, `/stacks/${stackId}`);
      return record.status === "running" ? record : undefined;
    });
    const { updated_at: _followerAt, ...onFollower } = await eventually(
      "running on the follower",
      async () => {
        const record = await json(follower, `/stacks/${stackId}`);
        return record.status === "running" ? record : undefined;
      },
    );
    expect(onFollower).toEqual(onLeader);
    expect(onFollower.ports).toEqual(created.ports);
    expect(onFollower.labels).toEqual({ team: "7" });
    expect(
      (await json(follower, "/stacks?label=team=7")).stacks.map(
        (stack: { stack_id: string }) => stack.stack_id,
      ),
    ).toEqual([stackId]);
    expect((await json(follower, "/stats?label=team=7")).used_node_ports).toBe(2);
    expect((await json(follower, `/stacks/${stackId}?include=env`)).env).toEqual({ FLAG: flag });
    expect((await json(leader, `/stacks/${stackId}?include=env`)).env).toEqual({ FLAG: flag });
    expect(JSON.stringify(await json(follower, "/stacks"))).not.toContain(flag);

    // The leader dies; the follower takes over from its cluster view and still knows everything.
    await leader.kill();
    const next = await set.leader();
    expect(next).toBe(follower);
    const { updated_at: _nextAt, ...afterTakeover } = await json(next, `/stacks/${stackId}`);
    expect(afterTakeover).toEqual(onLeader);
    expect((await json(next, `/stacks/${stackId}?include=env`)).env).toEqual({ FLAG: flag });
    expect((await json(next, "/stats")).used_node_ports).toBe(2);
    expect((await next.api(`/stacks/${stackId}`, { method: "DELETE" })).status).toBe(200);
    await eventually("the ports freed", async () =>
      (await json(next, "/stats")).used_node_ports === 0 ? true : undefined,
    );
  }, 90_000);
});

import { describe, expect, it } from "bun:test";
import { eventually, testKubeClient } from "../../helpers/cluster.ts";
import { CreateLoad, clusterStacks, holdsThroughout, missingStacks } from "../../helpers/create-load.ts";
import { fastSweep, fastSweepEnv, type ReplicaSet, replicaCases, testLease } from "../../helpers/replicas.ts";
import type { StackdProcess } from "../../helpers/stackd-process.ts";

const kube = testKubeClient();
const { orphanGraceMs, sweepIntervalMs } = fastSweep;
const env = { LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "warn", ...fastSweepEnv };
/** Long enough for any writer that did not create a stack to have swept it. */
const sweptByNow = testLease.durationMs + orphanGraceMs + 2 * sweepIntervalMs;
const cases = replicaCases(kube, "chaos");
let set: ReplicaSet;

/** A stack as `replica` answers it, with the fields that must survive a restart. */
async function stackRecord(replica: StackdProcess, stackId: string) {
  const read = await replica.api(`/stacks/${stackId}`);
  const body = (await read.json()) as { node_port?: number; created_at?: string };
  return { status: read.status, nodePort: body.node_port, createdAt: body.created_at };
}

describe("chaos among three replicas", () => {
  it("loses no acknowledged stack when the leader is SIGSTOPped mid-burst, and the resumed leader exits instead of writing", async () => {
    set = cases.start(env);
    for (let index = 0; index < 3; index += 1) await set.add();
    const leader = await set.leader();
    const others = set.replicas.filter((replica) => replica !== leader);
    const load = new CreateLoad(set.replicas, { clients: 4, pauseMs: 100, timeoutMs: 5_000 });
    await eventually("some creates to be acknowledged", async () =>
      load.acknowledged().length >= 5 ? true : undefined,
    );
    leader.child?.kill("SIGSTOP");
    let resumed = false;
    try {
      // The stopped leader answers nothing, /readyz included: the Lease says who took over.
      await eventually(
        "another replica to take the Lease",
        async () => ((await set.holder()) !== set.identityOf(leader) ? true : undefined),
        testLease.durationMs + 20_000,
      );
      const next = await set.leader();
      // Creates through the new leader, which the old one never heard of: it would sweep them if it wrote.
      const before = load.acknowledged().length;
      await eventually("creates under the new leader", async () =>
        load.acknowledged().length >= before + 5 ? true : undefined,
      );
      leader.child?.kill("SIGCONT");
      resumed = true;
      expect(await leader.child?.exited).toBe(3);
      await load.stop();
      const acknowledged = load.acknowledged();
      await holdsThroughout(
        "every acknowledged stack to exist",
        () => missingStacks(kube, cases.namespace, next, acknowledged),
        sweptByNow,
      );
      expect(others).toContain(next);
      expect(await set.holder()).toBe(set.identityOf(next));
      const { nodePorts } = await clusterStacks(kube, cases.namespace);
      expect(new Set(nodePorts).size).toBe(nodePorts.length);
    } finally {
      if (!resumed) leader.child?.kill("SIGCONT");
      await load.stop();
    }
  }, 120_000);

  it("brings every acknowledged stack back, same port and creation time, when all replicas are killed mid-burst and restarted on empty databases", async () => {
    set = cases.start(env);
    for (let index = 0; index < 3; index += 1) await set.add();
    const leader = await set.leader();
    const load = new CreateLoad(set.replicas, { clients: 3, pauseMs: 100 });
    await eventually("some creates to be acknowledged", async () =>
      load.acknowledged().length >= 10 ? true : undefined,
    );
    const killed = set.replicas.slice(0, 3);
    await Promise.all(killed.map((replica) => replica.kill()));
    await load.stop();
    const acknowledged = load.acknowledged();
    const recorded = new Map(
      load.answers.flatMap((answer) =>
        answer.status === 201
          ? [[answer.stackId, { nodePort: answer.nodePort, createdAt: answer.createdAt }]]
          : [],
      ),
    );
    const { services } = await clusterStacks(kube, cases.namespace);
    for (const stackId of acknowledged) expect(services).toContain(stackId);

    // Each new replica gets a new, empty database directory.
    for (let index = 0; index < 3; index += 1) await set.add();
    const next = await set.leader(testLease.durationMs + 20_000);
    expect(killed).not.toContain(next);
    expect(leader.child?.exitCode).not.toBe(0);
    await holdsThroughout(
      "every acknowledged stack to exist",
      () => missingStacks(kube, cases.namespace, next, acknowledged),
      sweptByNow,
    );
    for (const replica of set.replicas.slice(3))
      for (const stackId of acknowledged) {
        const seen = await eventually(`${stackId} on every replica`, async () => {
          const record = await stackRecord(replica, stackId);
          return record.status === 200 ? record : undefined;
        });
        expect({ nodePort: seen.nodePort, createdAt: seen.createdAt }).toEqual({
          nodePort: recorded.get(stackId)?.nodePort,
          createdAt: recorded.get(stackId)?.createdAt,
        });
      }
  }, 120_000);
});

import { describe, expect, it } from "bun:test";
import { eventually, testKubeClient } from "../../helpers/cluster.ts";
import { replicaCases } from "../../helpers/replicas.ts";
import type { StackdProcess } from "../../helpers/stackd-process.ts";

const kube = testKubeClient();
const cases = replicaCases(kube, "leader-metric");

/** The value of `stackd_leader` a replica serves, or undefined when it does not answer. */
async function leaderGauge(replica: StackdProcess): Promise<number | undefined> {
  const response = await replica.api("/metrics").catch(() => undefined);
  const line = (await response?.text())
    ?.split("\n")
    .find((candidate) => candidate.startsWith("stackd_leader "));
  return line === undefined ? undefined : Number(line.slice("stackd_leader ".length));
}

describe("stackd_leader with two replicas", () => {
  it("is 1 on the leader only, and moves to the follower that takes over when the leader dies", async () => {
    const set = cases.start();
    await set.add();
    await set.add();
    const leader = await set.leader();
    const follower = set.replicas.find((replica) => replica !== leader) as StackdProcess;
    expect(await leaderGauge(leader)).toBe(1);
    expect(await leaderGauge(follower)).toBe(0);

    await leader.kill();
    await eventually("the follower to report itself leader", async () =>
      (await leaderGauge(follower)) === 1 ? true : undefined,
    );
  });
});

import { describe, expect, it } from "bun:test";
import { eventually, testKubeClient } from "../../helpers/cluster.ts";
import { CreateLoad, holdsThroughout, missingStacks } from "../../helpers/create-load.ts";
import {
  fastSweep,
  fastSweepEnv,
  leaderNamedBy,
  leadershipRoleOf,
  type ReplicaSet,
  replicaCases,
  testLease,
} from "../../helpers/replicas.ts";
import type { StackdProcess } from "../../helpers/stackd-process.ts";

const kube = testKubeClient();
const { orphanGraceMs, sweepIntervalMs } = fastSweep;
const env = { LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? "warn", ...fastSweepEnv };
const cases = replicaCases(kube, "lease-deleted");
let set: ReplicaSet;

/**
 * Asks every replica's /readyz, all at once, every 50 ms until stopped, and keeps each sample in which
 * more than one replica said it holds the Lease (role leader, or taking_over: it holds it and is taking over).
 */
function sampleLeaders(replicas: StackdProcess[], identityOf: (replica: StackdProcess) => string) {
  const overlaps: string[][] = [];
  let samples = 0;
  let stopped = false;
  const running = (async () => {
    while (!stopped) {
      const roles = await Promise.all(replicas.map((replica) => leadershipRoleOf(replica)));
      const holders = replicas.flatMap((replica, index) =>
        roles[index] === "leader" || roles[index] === "taking_over"
          ? [`${identityOf(replica)}=${roles[index]}`]
          : [],
      );
      if (holders.length > 1) overlaps.push(holders);
      samples += 1;
      await Bun.sleep(50);
    }
  })();
  return {
    overlaps,
    async stop() {
      stopped = true;
      await running;
      return samples;
    },
  };
}

describe("a deleted leader Lease", () => {
  it("makes no second leader and loses no acknowledged stack: the leader creates its Lease again and leads on", async () => {
    set = cases.start(env);
    for (let index = 0; index < 3; index += 1) await set.add();
    const leader = await set.leader();
    const leaderIdentity = set.identityOf(leader);
    const sampler = sampleLeaders(set.replicas, (replica) => set.identityOf(replica));
    const load = new CreateLoad(set.replicas);
    await eventually("some creates to be acknowledged", async () =>
      load.acknowledged().length >= 3 ? true : undefined,
    );
    const acknowledgedBeforeDelete = load.acknowledged().length;

    // Three times, as `kubectl delete lease`: whichever replica reads the missing Lease first must not take it.
    let deletedAt = 0;
    for (let round = 0; round < 3; round += 1) {
      // A Lease every follower has seen held (one deleted before a follower ever read it looks, to that
      // follower, like no Lease for a whole lease duration).
      const holder = await set.holder();
      await eventually("every replica to name the Lease's holder", async () => {
        const named = await Promise.all(set.replicas.map((replica) => leaderNamedBy(replica)));
        return named.every((identity) => identity === holder) ? true : undefined;
      });
      const deletedVersion = (await set.lease())?.metadata?.resourceVersion;
      await kube.transport.send(
        "DELETE",
        `/apis/coordination.k8s.io/v1/namespaces/${cases.namespace}/leases/${set.leaseName}`,
      );
      deletedAt = Date.now();
      // Written again at a renew (one retry period), well before a renew deadline.
      await eventually(
        "the Lease to exist again",
        async () => {
          const lease = await set.lease();
          return lease && lease.metadata?.resourceVersion !== deletedVersion ? true : undefined;
        },
        testLease.renewDeadlineMs,
      );
    }

    // Creates go on for two lease durations, past the moment a follower could have written its own Lease.
    await holdsThroughout(
      "one leader",
      async () => (sampler.overlaps.length > 0 ? sampler.overlaps.map((overlap) => overlap.join("+")) : []),
      2 * testLease.durationMs - (Date.now() - deletedAt),
    );
    const answers = await load.stop();
    const samples = await sampler.stop();
    expect(sampler.overlaps).toEqual([]);
    expect(samples).toBeGreaterThan(50);
    expect(await set.holder()).toBe(leaderIdentity);
    expect(await leadershipRoleOf(leader)).toBe("leader");

    const acknowledged = load.acknowledged();
    expect(acknowledged.length).toBeGreaterThan(acknowledgedBeforeDelete);
    // Any writer that did not create these stacks would have swept them by now: nobody did.
    const afterSweeps = 2 * (testLease.durationMs + orphanGraceMs + sweepIntervalMs);
    await holdsThroughout(
      "every acknowledged stack to exist",
      () => missingStacks(kube, cases.namespace, leader, acknowledged),
      afterSweeps - (Date.now() - deletedAt),
    );
    expect(await set.leader()).toBe(leader);
    // A follower that saw no Lease for a moment may not know where to forward: it says retry, nothing worse
    // (the Lease is new, and so is its uid, the key forwarded requests are signed with).
    const refused = answers.filter(
      (answer) => answer.status !== 201 && !(answer.status === 503 && answer.retryAfter),
    );
    expect(
      refused.map((answer) => `${set.identityOf(answer.sentTo)}: ${answer.status} ${answer.error}`),
    ).toEqual([]);
  }, 120_000);
});

import { describe, expect, it } from "bun:test";
import { createActor, SimulatedClock, waitFor } from "xstate";
import { statusOf } from "../../../machines/stack.machine.ts";
import type { PodFacts } from "../../../machines/stack.types.ts";
import { type DecidedStatus, decideStatus, type StatusFacts } from "../../../machines/stack-status.ts";
import { statusFromCluster } from "../../../src/cluster/cluster-records.ts";
import { provideStackEffects } from "../../../src/stacks/provided-stack-machine.ts";
import { quietEffects, testIdentity } from "../../helpers/stack-fixtures.ts";

const pod = (facts: Partial<PodFacts>): PodFacts => ({
  exists: true,
  phase: "Pending",
  nodeName: "n1",
  ready: false,
  failureReason: null,
  unschedulableReason: null,
  ...facts,
});

const none: StatusFacts = { ending: null, end: undefined, pod: undefined, nodeDeleted: false };
const ready = pod({ phase: "Running", ready: true });
const exited = pod({ phase: "Failed", failureReason: "container app exited with code 1: Error" });

/** The one table: what a stack's cluster facts say its status is (a follower knows a deleted node from its Pod). */
const table: Array<[string, Partial<StatusFacts>, DecidedStatus]> = [
  ["no Pod seen yet", {}, { status: "creating", reason: null }],
  ["a scheduled Pod not ready yet", { pod: pod({}) }, { status: "creating", reason: null }],
  ["a ready Pod", { pod: ready }, { status: "running", reason: null }],
  ["a failed Pod", { pod: exited }, { status: "failed", reason: exited.failureReason }],
  ["a Pod that completed", { pod: pod({ phase: "Succeeded" }) }, { status: "stopped", reason: "completed" }],
  [
    "a Pod deleted after it existed",
    { pod: pod({ exists: false, phase: null, nodeName: null }) },
    { status: "failed", reason: "pod was deleted outside stackd" },
  ],
  [
    "a ready Pod on a deleted node",
    { pod: ready, nodeDeleted: true },
    { status: "node_deleted", reason: "node_deleted" },
  ],
  [
    "a failed end, Pod gone",
    { end: { status: "failed", reason: "exit 1" } },
    { status: "failed", reason: "exit 1" },
  ],
  [
    "a failed end, Pod ready again",
    { end: { status: "failed", reason: "exit 1" }, pod: ready },
    { status: "failed", reason: "exit 1" },
  ],
  [
    "a failed end, then its node deleted",
    { end: { status: "failed", reason: "exit 1" }, pod: exited, nodeDeleted: true },
    { status: "node_deleted", reason: "node_deleted" },
  ],
  [
    "a completed end, then its node deleted",
    { end: { status: "stopped", reason: "completed" }, pod: pod({ phase: "Succeeded" }), nodeDeleted: true },
    { status: "stopped", reason: "completed" },
  ],
  [
    "a node_deleted end, Pod gone",
    { end: { status: "node_deleted", reason: "node_deleted" } },
    { status: "node_deleted", reason: "node_deleted" },
  ],
  ["a teardown", { ending: "teardown" }, { status: "stopped", reason: "deleted" }],
  [
    "a teardown of a running stack",
    { ending: "teardown", pod: ready },
    { status: "stopped", reason: "deleted" },
  ],
  ["a rollback", { ending: "rollback" }, { status: "failed", reason: null }],
];

/**
 * Drives a new stack's actor to `facts` the way a cluster would: its Pod scheduled, the events that
 * reach its end, its Pod's current facts, its node deleted, then a delete or an abandon.
 */
async function machineStatusFor(facts: StatusFacts): Promise<DecidedStatus> {
  const clock = new SimulatedClock();
  const stuck = () => new Promise<void>(() => {});
  const machine = provideStackEffects(quietEffects(stuck), {
    now: () => clock.now(),
    schedulingTimeoutMs: 20_000,
  });
  const actor = createActor(machine, { input: { identity: testIdentity, nodePorts: [31001] }, clock });
  actor.start();
  actor.send({ type: "stack.acknowledged" });
  await waitFor(actor, (snapshot) => snapshot.matches({ live: { creating: "scheduling" } }));
  const tell = (facts: PodFacts) =>
    actor.send({ type: "pod.changed", pod: facts, nodePublicIp: null, at: 1 });
  if (facts.pod || facts.end || facts.nodeDeleted) {
    tell(pod({}));
    await waitFor(actor, (snapshot) => snapshot.matches({ live: { creating: "starting" } }));
  }
  if (facts.end?.status === "failed") tell(pod({ phase: "Failed", failureReason: facts.end.reason }));
  if (facts.end?.status === "stopped") tell(pod({ phase: "Succeeded" }));
  if (facts.end?.status === "node_deleted") actor.send({ type: "node.deleted", nodeName: "n1", at: 1 });
  if (facts.pod) tell(facts.pod);
  if (facts.nodeDeleted) actor.send({ type: "node.deleted", nodeName: "n1", at: 1 });
  if (facts.ending === "teardown") actor.send({ type: "user.delete", at: 1 });
  if (facts.ending === "rollback")
    actor.send({ type: "create.abandon", failure: { code: "abandoned", message: "client went away" } });
  const snapshot = actor.getSnapshot();
  actor.stop();
  return { status: statusOf(snapshot), reason: snapshot.context.reason };
}

describe("a stack's status, one rule for the leader and the followers", () => {
  for (const [name, given, expected] of table) {
    const facts = { ...none, ...given };
    it(`reads ${expected.status} for ${name}`, () => {
      expect(decideStatus(facts)).toEqual(expected);
    });

    it(`is what the stack machine reports when driven to ${name}`, async () => {
      expect(await machineStatusFor(facts)).toEqual(expected);
    });

    if (facts.ending !== "rollback")
      it(`is what a follower reads from the cluster for ${name}`, () => {
        const terminal = facts.end && { ...facts.end, at: "2026-11-28T21:00:00.000Z" };
        const podState = facts.pod && {
          facts: facts.pod,
          nodePublicIp: null,
          nodeDeleted: facts.nodeDeleted,
        };
        expect(statusFromCluster(facts.ending === "teardown", terminal, podState)).toEqual(expected);
      });
  }
});

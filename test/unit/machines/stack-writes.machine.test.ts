import { describe, expect, it } from "bun:test";
import { createActor, SimulatedClock, waitFor } from "xstate";
import { statusOf } from "../../../machines/stack.machine.ts";
import type { ExpiryOutcome, PodFacts, StackResume, TerminalInput } from "../../../machines/stack.types.ts";
import { provideStackEffects } from "../../../src/stacks/provided-stack-machine.ts";
import { quietEffects, testIdentity } from "../../helpers/stack-fixtures.ts";

const hour = 3_600_000;
const noLimits = { maxLifetimeMs: null, renewWindowMs: null };
const failedPod: PodFacts = {
  exists: true,
  phase: "Failed",
  nodeName: "n1",
  ready: false,
  failureReason: "exit 1",
  unschedulableReason: null,
};
const resumed = (status: StackResume["status"], acknowledged = true): StackResume => ({
  status,
  nodeName: "n1",
  nodePublicIp: null,
  reason: status === "failed" ? "exit 1" : null,
  updatedAt: 0,
  acknowledged,
});

/** A restored stack whose effects note every terminal record and answer expiry writes with `expiry`. */
function stack(resume: StackResume, expiry: () => Promise<ExpiryOutcome> = async () => ({ written: true })) {
  const clock = new SimulatedClock();
  const terminals: TerminalInput[] = [];
  const expiries: number[] = [];
  const machine = provideStackEffects(
    {
      ...quietEffects(),
      recordTerminal: async (input) => {
        terminals.push(input);
      },
      recordExpiry: async ({ expiresAt }) => {
        expiries.push(expiresAt);
        return expiry();
      },
    },
    { now: () => clock.now(), schedulingTimeoutMs: 20_000 },
  );
  const actor = createActor(machine, {
    input: { identity: testIdentity, nodePorts: [31001], resume },
    clock,
  });
  actor.start();
  return { actor, clock, terminals, expiries };
}

describe("stackMachine: its writes to the cluster", () => {
  it("records the end a told client's stack reaches on its Service, through its own actor", () => {
    const { actor, terminals } = stack(resumed("running"));
    actor.send({ type: "pod.changed", pod: failedPod, nodePublicIp: null, at: 5 });
    actor.send({ type: "node.deleted", nodeName: "n1", at: 6 });
    expect(terminals.map(({ end, at }) => ({ ...end, at }))).toEqual([
      { status: "failed", reason: "exit 1", at: 5 },
      { status: "node_deleted", reason: "node_deleted", at: 6 },
    ]);
  });

  it("records nothing for an end it resumed in, nor for a create no client was told of", () => {
    const restored = stack(resumed("failed"));
    expect(statusOf(restored.actor.getSnapshot())).toBe("failed");
    expect(restored.terminals).toEqual([]);
    const untold = stack(resumed("running", false));
    untold.actor.send({ type: "pod.changed", pod: failedPod, nodePublicIp: null, at: 5 });
    expect(untold.terminals).toEqual([]);
  });

  it("writes a requested expiry to the Service first, then moves its TTL", async () => {
    const { actor, expiries } = stack(resumed("running"));
    actor.send({ type: "ttl.request", ttlMs: 3 * hour, at: 0, limits: noLimits });
    expect(actor.getSnapshot().context.ttlExpiresAt).toBe(2 * hour);
    const done = await waitFor(actor, (snapshot) => snapshot.context.expiryWrite?.outcome != null);
    expect(expiries).toEqual([3 * hour]);
    expect(done.context.expiryWrite?.outcome).toEqual({ written: true });
    expect(done.context.ttlExpiresAt).toBe(3 * hour);
  });

  it("keeps its expiry when the Service could not be written, and says why", async () => {
    const { actor } = stack(resumed("running"), async () => ({ refused: "unavailable", message: "x" }));
    actor.send({ type: "ttl.request", ttlMs: 3 * hour, at: 0, limits: noLimits });
    const done = await waitFor(actor, (snapshot) => snapshot.context.expiryWrite?.outcome != null);
    expect(done.context.expiryWrite?.outcome).toEqual({ refused: "unavailable", message: "x" });
    expect(done.context.ttlExpiresAt).toBe(2 * hour);
  });
});

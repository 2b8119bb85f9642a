import { describe, expect, it } from "bun:test";
import { createActor, SimulatedClock } from "xstate";
import { statusOf } from "../../../machines/stack.machine.ts";
import type { StackEvent, StackResume } from "../../../machines/stack.types.ts";
import type { LifetimeLimits } from "../../../machines/ttl-extension.ts";
import { provideStackEffects } from "../../../src/stacks/provided-stack-machine.ts";
import { quietEffects, runningResume as running, testIdentity } from "../../helpers/stack-fixtures.ts";

const minute = 60_000;
const hour = 60 * minute;
const noLimits: LifetimeLimits = { maxLifetimeMs: null, renewWindowMs: null };

/** A running stack created at 0 that expires at 2 h, on a simulated clock, with effects that do nothing. */
function runningStack(resume: StackResume = running) {
  const clock = new SimulatedClock();
  const teardowns: number[] = [];
  const machine = provideStackEffects(
    quietEffects(async () => {
      teardowns.push(clock.now());
    }),
    { now: () => clock.now(), schedulingTimeoutMs: 20_000 },
  );
  const actor = createActor(machine, {
    input: { identity: testIdentity, nodePorts: [31001], resume },
    clock,
  });
  actor.start();
  const extend = (ttlMs: number, limits: LifetimeLimits = noLimits) => {
    const event: StackEvent = { type: "ttl.extend", ttlMs, at: clock.now(), limits };
    const allowed = actor.getSnapshot().can(event);
    actor.send(event);
    return allowed;
  };
  return { actor, clock, teardowns, extend, expiry: () => actor.getSnapshot().context.ttlExpiresAt };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("stackMachine: ttl.extend", () => {
  it("moves the expiry and re-arms the TTL: the stack outlives its old expiry and ends at the new one", async () => {
    const { actor, clock, teardowns, extend, expiry } = runningStack();
    clock.set(90 * minute);
    expect(extend(hour)).toBe(true);
    expect(expiry()).toBe(150 * minute);
    expect(actor.getSnapshot().context.updatedAt).toBe(90 * minute);
    clock.set(2 * hour);
    await flush();
    expect(teardowns).toEqual([]);
    expect(statusOf(actor.getSnapshot())).toBe("running");
    clock.set(150 * minute - 1);
    await flush();
    expect(teardowns).toEqual([]);
    clock.set(150 * minute);
    await flush();
    expect(teardowns).toEqual([150 * minute]);
    expect(actor.getSnapshot().output).toEqual({ outcome: "removed", reason: "ttl_expired" });
  });

  it("never shortens the TTL: a shorter request keeps the current expiry", async () => {
    const { clock, teardowns, extend, expiry } = runningStack();
    clock.set(10 * minute);
    expect(extend(30 * minute)).toBe(true);
    expect(expiry()).toBe(2 * hour);
    clock.set(2 * hour);
    await flush();
    expect(teardowns).toEqual([2 * hour]);
  });

  it("refuses an extension past the maximum lifetime, keeping the old expiry and timer", async () => {
    const { clock, teardowns, extend, expiry } = runningStack();
    clock.set(hour);
    const limits = { maxLifetimeMs: 3 * hour, renewWindowMs: null };
    expect(extend(2 * hour + 1, limits)).toBe(false);
    expect(expiry()).toBe(2 * hour);
    expect(extend(2 * hour, limits)).toBe(true);
    expect(expiry()).toBe(3 * hour);
    clock.set(3 * hour);
    await flush();
    expect(teardowns).toEqual([3 * hour]);
  });

  it("refuses an extension before the renew window opens, and allows it inside", () => {
    const { clock, extend, expiry } = runningStack();
    const limits = { maxLifetimeMs: null, renewWindowMs: 15 * minute };
    clock.set(hour);
    expect(extend(hour, limits)).toBe(false);
    clock.set(105 * minute);
    expect(extend(hour, limits)).toBe(true);
    expect(expiry()).toBe(165 * minute);
  });

  it("ignores an extension while the stack is deleting, or once it has stopped or failed", async () => {
    const stopped = runningStack({ ...running, status: "stopped", reason: "completed" });
    expect(stopped.extend(hour)).toBe(false);
    expect(stopped.expiry()).toBe(2 * hour);
    const failed = runningStack({ ...running, status: "failed", reason: "containerFailed" });
    expect(failed.extend(hour)).toBe(false);
    const deleting = runningStack();
    deleting.actor.send({ type: "user.delete", at: 1 });
    expect(deleting.actor.getSnapshot().value).toBe("deleting");
    expect(deleting.extend(hour)).toBe(false);
    expect(deleting.expiry()).toBe(2 * hour);
  });
});

import { describe, expect, it } from "bun:test";
import { createActor } from "xstate";
import { statusOf } from "../../../machines/stack.machine.ts";
import type { StackEvent } from "../../../machines/stack.types.ts";
import { provideStackEffects } from "../../../src/stacks/provided-stack-machine.ts";
import { RuntimeClock } from "../../helpers/runtime-clock.ts";
import { quietEffects, runningResume as running, testIdentity } from "../../helpers/stack-fixtures.ts";

const hour = 3_600_000;
/** The longest delay one timer holds (2^31-1 ms, about 596.5 h). */
const timerLimit = 2 ** 31 - 1;
/** Go's longest duration, 9223372036854775807ns, in whole milliseconds. */
const goMaxMs = 9_223_372_036_854;

/** A running stack created at 0 that expires at `ttlExpiresAt`, on a clock whose timers overflow as Bun's do. */
function runningStack(ttlExpiresAt: number) {
  const clock = new RuntimeClock();
  const teardowns: number[] = [];
  const machine = provideStackEffects(
    quietEffects(async () => {
      teardowns.push(clock.now());
    }),
    { now: () => clock.now(), schedulingTimeoutMs: 20_000 },
  );
  const identity = { ...testIdentity, ttlExpiresAt };
  const actor = createActor(machine, { input: { identity, nodePorts: [31001], resume: running }, clock });
  actor.start();
  const extend = (ttlMs: number) => {
    const event: StackEvent = {
      type: "ttl.extend",
      ttlMs,
      at: clock.now(),
      limits: { maxLifetimeMs: null, renewWindowMs: null },
    };
    actor.send(event);
  };
  /** Moves the clock to `at`, lets the actor take what its timers raised, and answers its status. */
  const statusAt = async (at: number) => {
    clock.set(at);
    await new Promise((resolve) => setTimeout(resolve, 0));
    return statusOf(actor.getSnapshot());
  };
  return { actor, teardowns, extend, statusAt };
}

describe("stackMachine: an expiry further away than one timer can wait", () => {
  it("does not delete a stack that expires in 597h early, and deletes it at 597h after several re-arms", async () => {
    const { actor, teardowns, statusAt } = runningStack(597 * hour);
    for (const at of [1, 1000, timerLimit - 1, timerLimit, timerLimit + 1, 597 * hour - 1]) {
      expect(await statusAt(at)).toBe("running");
    }
    expect(teardowns).toEqual([]);
    await statusAt(597 * hour);
    expect(teardowns).toEqual([597 * hour]);
    expect(actor.getSnapshot().output).toEqual({ outcome: "removed", reason: "ttl_expired" });
  });

  it("keeps a stack extended to 1000h running past each timer step, and deletes it at 1000h", async () => {
    const { teardowns, extend, statusAt } = runningStack(2 * hour);
    expect(await statusAt(hour)).toBe("running");
    extend(1000 * hour);
    for (const at of [hour + 1, 2 * hour, hour + timerLimit, hour + timerLimit + 1, 1001 * hour - 1]) {
      expect(await statusAt(at)).toBe("running");
    }
    expect(teardowns).toEqual([]);
    await statusAt(1001 * hour);
    expect(teardowns).toEqual([1001 * hour]);
  });

  it("keeps a stack that expires at Go's longest duration running until then", async () => {
    const { teardowns, statusAt } = runningStack(goMaxMs);
    expect(await statusAt(1)).toBe("running");
    expect(await statusAt(goMaxMs / 2)).toBe("running");
    expect(await statusAt(goMaxMs - 1)).toBe("running");
    await statusAt(goMaxMs);
    expect(teardowns).toEqual([goMaxMs]);
  });

  it("still deletes a stack whose expiry fits in one timer exactly at its expiry", async () => {
    const { teardowns, statusAt } = runningStack(timerLimit);
    expect(await statusAt(timerLimit - 1)).toBe("running");
    await statusAt(timerLimit);
    expect(teardowns).toEqual([timerLimit]);
  });
});

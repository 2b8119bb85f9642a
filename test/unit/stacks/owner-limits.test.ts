import { describe, expect, it } from "bun:test";
import { SimulatedClock } from "xstate";
import type { CreateFailure, PodFacts } from "../../../machines/stack.types.ts";
import type { OwnerLimitsConfig } from "../../../src/config/owner-limits-config.ts";
import { nodePortExposure } from "../../../src/exposure/exposure-leases.ts";
import { silentLogger } from "../../../src/log/logger.ts";
import { PortAllocator } from "../../../src/ports/port-allocator.ts";
import { OwnerLimits } from "../../../src/stacks/owner-limits.ts";
import { provideStackEffects } from "../../../src/stacks/provided-stack-machine.ts";
import { StackActors } from "../../../src/stacks/stack-actors.ts";
import { StackReads } from "../../../src/stacks/stack-reads.ts";
import { type NewStack, StackService } from "../../../src/stacks/stack-service.ts";
import { openDatabase } from "../../../src/store/database.ts";
import { StackStore } from "../../../src/store/stack-store.ts";
import { quietEffects, refusal } from "../../helpers/stack-fixtures.ts";

const hour = 3_600_000;
const teamAndChallenge: OwnerLimitsConfig = {
  ownerLabel: "team",
  maxPerOwner: 2,
  uniqueLabels: ["team", "challenge"],
};

const stackFor = (labels: Record<string, string>): NewStack => ({
  manifest: { apiVersion: "v1", kind: "Pod", spec: { containers: [{ name: "app", image: "nginx" }] } },
  podSpecYaml: "apiVersion: v1\nkind: Pod\n",
  ports: [{ containerPort: 80, protocol: "TCP" }],
  targetPort: 80,
  labels,
  requestedCpuMilli: 100,
  requestedMemoryBytes: 134_217_728,
});

const scheduled: PodFacts = {
  exists: true,
  phase: "Pending",
  nodeName: "stack-node-1",
  ready: false,
  failureReason: null,
  unschedulableReason: null,
};

interface Scenario {
  config?: OwnerLimitsConfig;
  store?: StackStore;
  /** Each create's Pod fails with this instead of being scheduled. */
  failure?: CreateFailure;
  teardown?: () => Promise<void>;
}

/** Limits, actors and service over an in-memory store, with fake effects and a simulated clock. */
function world(scenario: Scenario = {}) {
  const clock = new SimulatedClock();
  clock.set(Date.parse("2026-11-28T20:00:00.000Z"));
  const now = () => clock.now();
  const store = scenario.store ?? new StackStore(openDatabase(":memory:"));
  const ports = new PortAllocator({ min: 31001, max: 31100 });
  ports.sync([]);
  const limits = new OwnerLimits(scenario.config ?? teamAndChallenge);
  const machine = provideStackEffects(
    {
      ...quietEffects(scenario.teardown),
      provision: async (input) => {
        if (scenario.failure) return { failure: scenario.failure };
        queueMicrotask(() => actors.podChanged(input.identity.stackId, scheduled, "203.0.113.11"));
        return { created: true };
      },
    },
    { now, schedulingTimeoutMs: 20_000 },
  );
  const actors = new StackActors({ machine, store, ports, logger: silentLogger, now, clock, slots: limits });
  const service = new StackService({
    actors,
    reads: new StackReads(actors, () => ports.leasedCount()),
    exposure: nodePortExposure(ports),
    limits,
    namespace: "stacks",
    stackTtlMs: 2 * hour,
    createDeadlineMs: 25_000,
    deleteWaitMs: 2_000,
    now,
    clock: clock as never,
  });
  return { clock, store, limits, actors, service };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("OwnerLimits", () => {
  it("refuses a create without the owner label, or with it empty, with 400 naming it", () => {
    const limits = new OwnerLimits(teamAndChallenge);
    for (const labels of [{ challenge: "web" }, { team: "", challenge: "web" }]) {
      const error = (() => {
        try {
          limits.admit(labels);
        } catch (caught) {
          return caught as { status: number; message: string };
        }
      })();
      expect(error).toMatchObject({ status: 400, message: "invalid labels: labels.team is required" });
    }
    expect(() => limits.admit({ team: "7" })).toThrow("invalid labels: labels.challenge is required");
  });

  it("counts each stack once, frees it once, and keeps a unique key with its first holder", () => {
    const limits = new OwnerLimits({
      ownerLabel: "team",
      maxPerOwner: 5,
      uniqueLabels: ["team", "challenge"],
    });
    limits.hold("stack-a", { team: "7", challenge: "web" });
    limits.hold("stack-a", { team: "7", challenge: "web" });
    limits.hold("stack-b", { team: "7", challenge: "web" });
    expect(limits.countOf("7")).toBe(2);
    expect(limits.holderOf({ team: "7", challenge: "web" })).toBe("stack-a");
    limits.release("stack-b");
    limits.release("stack-b");
    expect(limits.countOf("7")).toBe(1);
    expect(limits.holderOf({ team: "7", challenge: "web" })).toBe("stack-a");
    limits.release("stack-a");
    expect(limits.countOf("7")).toBe(0);
    expect(limits.holderOf({ team: "7", challenge: "web" })).toBeUndefined();
  });

  it("does not count a stack without the owner label (one made before the limit was set)", () => {
    const limits = new OwnerLimits({ ownerLabel: "team", maxPerOwner: 1, uniqueLabels: [] });
    limits.hold("stack-old", {});
    expect(() => limits.admit({ team: "7" })).not.toThrow();
  });
});

describe("StackService.create with per-owner limits", () => {
  it("makes exactly one stack of 50 identical concurrent creates; the others get 409 with its id", async () => {
    const { service, actors } = world();
    const labels = { team: "7", challenge: "web" };
    const answers = await Promise.allSettled(
      Array.from({ length: 50 }, () => service.create(stackFor(labels))),
    );
    const created = answers.flatMap((answer) => (answer.status === "fulfilled" ? [answer.value] : []));
    expect(created).toHaveLength(1);
    const refusals = answers.flatMap((answer) => (answer.status === "rejected" ? [answer.reason] : []));
    expect(refusals).toHaveLength(49);
    for (const error of refusals)
      expect(error).toMatchObject({
        status: 409,
        message: "a live stack already exists for team=7,challenge=web",
        fields: { stack_id: created[0]?.stack_id },
      });
    expect(actors.size).toBe(1);
  });

  it("answers 429 naming the owner once it has its most live stacks; other owners are not affected", async () => {
    const { service } = world();
    await service.create(stackFor({ team: "7", challenge: "web" }));
    await service.create(stackFor({ team: "7", challenge: "pwn" }));
    const error = await refusal(service.create(stackFor({ team: "7", challenge: "crypto" })));
    expect(error.status).toBe(429);
    expect(error.message).toBe("stack limit reached for team=7");
    expect(await service.create(stackFor({ team: "8", challenge: "crypto" }))).toBeDefined();
  });

  it("frees a deleted stack's place as soon as its teardown starts", async () => {
    const { service, limits } = world({ teardown: () => new Promise(() => {}) });
    const first = await service.create(stackFor({ team: "7", challenge: "web" }));
    void service.delete(first.stack_id);
    expect(limits.countOf("7")).toBe(0);
    const again = await service.create(stackFor({ team: "7", challenge: "web" }));
    expect(again.stack_id).not.toBe(first.stack_id);
  });

  it("frees an expired stack's place", async () => {
    const { service, limits, clock, actors } = world();
    const first = await service.create(stackFor({ team: "7", challenge: "web" }));
    clock.increment(2 * hour);
    await flush();
    expect(actors.has(first.stack_id)).toBe(false);
    expect(limits.countOf("7")).toBe(0);
    expect(limits.holderOf({ team: "7", challenge: "web" })).toBeUndefined();
  });

  it("frees a failed create's reservation when it rolls back, even while the rollback hangs", async () => {
    const { service, limits, clock } = world({
      failure: { code: "invalid", message: "spec.bogus: unknown field" },
      teardown: () => new Promise(() => {}),
    });
    const answer = refusal(service.create(stackFor({ team: "7", challenge: "web" })));
    expect(limits.countOf("7")).toBe(1);
    await flush();
    expect(limits.countOf("7")).toBe(0);
    expect(limits.holderOf({ team: "7", challenge: "web" })).toBeUndefined();
    clock.increment(2_000);
    expect((await answer).status).toBe(400);
  });

  it("holds no place for a create refused before its actor (no port left)", async () => {
    const { service, limits } = world();
    const labels = { team: "7", challenge: "web" };
    const many = {
      ...stackFor(labels),
      ports: Array.from({ length: 101 }, (_, index) => ({
        containerPort: 1000 + index,
        protocol: "TCP" as const,
      })),
    };
    expect((await refusal(service.create(many))).status).toBe(503);
    expect(limits.countOf("7")).toBe(0);
  });

  it("restores counts and unique keys from the stored stacks after a restart", async () => {
    const first = world();
    const web = await first.service.create(stackFor({ team: "7", challenge: "web" }));
    await first.service.create(stackFor({ team: "7", challenge: "pwn" }));
    first.actors.stopAll();
    const again = world({ store: first.store });
    again.actors.restore(again.store.load().stacks);
    expect(again.limits.countOf("7")).toBe(2);
    const duplicate = await refusal(again.service.create(stackFor({ team: "7", challenge: "web" })));
    expect(duplicate.fields).toEqual({ stack_id: web.stack_id });
    expect((await refusal(again.service.create(stackFor({ team: "7", challenge: "rev" })))).status).toBe(429);
  });

  it("forgets every place when the actors stop (leadership lost)", async () => {
    const { service, limits, actors } = world();
    await service.create(stackFor({ team: "7", challenge: "web" }));
    actors.stopAll();
    expect(limits.countOf("7")).toBe(0);
  });
});

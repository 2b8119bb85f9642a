import { describe, expect, it } from "bun:test";
import type { PodFacts } from "../../../machines/stack.types.ts";
import { nodePortExposure } from "../../../src/exposure/exposure-leases.ts";
import { createApp } from "../../../src/http/app.ts";
import { KeyRing } from "../../../src/keys/key-ring.ts";
import { silentLogger } from "../../../src/log/logger.ts";
import { PortAllocator } from "../../../src/ports/port-allocator.ts";
import { provideStackEffects } from "../../../src/stacks/provided-stack-machine.ts";
import { StackActors } from "../../../src/stacks/stack-actors.ts";
import { StackReads } from "../../../src/stacks/stack-reads.ts";
import { StackService } from "../../../src/stacks/stack-service.ts";
import { TtlExtensions } from "../../../src/stacks/ttl-extensions.ts";
import { openDatabase } from "../../../src/store/database.ts";
import { StackStore } from "../../../src/store/stack-store.ts";
import { appCaller } from "../../helpers/app-calls.ts";
import { RuntimeClock } from "../../helpers/runtime-clock.ts";
import { quietEffects } from "../../helpers/stack-fixtures.ts";
import { contractPodSpec } from "../../helpers/stackd.ts";

const key = "route-test-key";
const hour = 3_600_000;
const startedAt = Date.parse("2026-11-28T20:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

const scheduled: PodFacts = {
  exists: true,
  phase: "Pending",
  nodeName: "stack-node-1",
  ready: false,
  failureReason: null,
  unschedulableReason: null,
};

/**
 * The app over the real service, actors, reads and TTL extensions, with effects that do nothing and a
 * clock whose timers overflow as Bun's do; the scheduler binds each pod as soon as it is created.
 */
function app(stackTtlMs = 2 * hour) {
  const clock = new RuntimeClock();
  clock.set(startedAt);
  const now = () => clock.now();
  const ports = new PortAllocator({ min: 31001, max: 31010 });
  ports.sync([]);
  const effects = quietEffects();
  const machine = provideStackEffects(
    {
      ...effects,
      provision: async ({ identity }) => {
        queueMicrotask(() => actors.podChanged(identity.stackId, scheduled, "203.0.113.11"));
        return { created: true };
      },
    },
    { now, schedulingTimeoutMs: 20_000 },
  );
  const actors = new StackActors({
    machine,
    store: new StackStore(openDatabase(":memory:")),
    ports,
    logger: silentLogger,
    now,
    clock,
  });
  const reads = new StackReads(actors, () => ports.leasedCount());
  const service = new StackService({
    actors,
    reads,
    exposure: nodePortExposure(ports),
    namespace: "stacks",
    stackTtlMs,
    createDeadlineMs: 25_000,
    deleteWaitMs: 2_000,
    now,
    clock: clock as never,
  });
  const ttl = new TtlExtensions({
    actors,
    reads,
    defaultTtlMs: stackTtlMs,
    limits: { maxLifetimeMs: null, renewWindowMs: null },
    now,
  });
  const http = createApp({
    commands: service,
    queries: reads,
    ttl,
    logger: silentLogger,
    keys: new KeyRing([{ name: "default", key: key }]),
    maxBodyBytes: 1_048_576,
  });
  const call = appCaller(http, key);
  const create = () =>
    call("POST", "/stacks", JSON.stringify({ pod_spec: contractPodSpec, target_port: 80 }));
  /** Lets a few milliseconds pass (and the actors take what their timers raised), then reads the stack. */
  const later = async (stackId: string) => {
    clock.increment(13);
    await new Promise((resolve) => setTimeout(resolve, 0));
    return call("GET", `/stacks/${stackId}`);
  };
  return { clock, call, create, later };
}

describe("POST /stacks with a STACK_TTL beyond one timer", () => {
  it("answers 201 with STACK_TTL=720h, and the stack is still there afterwards", async () => {
    const { create, later } = app(720 * hour);
    const created = await create();
    expect(created.status).toBe(201);
    expect(created.body.ttl_expires_at).toBe(iso(startedAt + 720 * hour));
    const read = await later(created.body.stack_id);
    expect(read.status).toBe(200);
    expect(read.body.status).toBe("creating");
  });
});

describe("POST /stacks/{id}/extend with far ttls", () => {
  it.each([
    ["597h", 597 * hour],
    ["1000h", 1000 * hour],
    ["9223372036854775807ns", 9_223_372_036_855],
    ["2562047h47m16.854775807s", 9_223_372_036_855],
  ])("answers 200 for %s with the right expiry, and the stack is not deleted as expired", async (ttl, ms) => {
    const { create, call, later } = app();
    const { body: stack } = await create();
    const extended = await call("POST", `/stacks/${stack.stack_id}/extend`, JSON.stringify({ ttl }));
    expect(extended.status).toBe(200);
    expect(extended.body.ttl_expires_at).toBe(iso(startedAt + ms));
    const read = await later(stack.stack_id);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ status: "creating", ttl_expires_at: iso(startedAt + ms) });
  });

  const beyondGo = (ttl: string) =>
    `invalid request body: ttl must be at most 2562047h47m16.854775807s, got "${ttl}"`;
  const tooLong = "invalid request body: ttl must be at most 64 characters, got 1000000";
  it.each([
    ["100000000h", "100000000h", beyondGo("100000000h")],
    ["9223372036854775808ns", "9223372036854775808ns", beyondGo("9223372036854775808ns")],
    ["99999999999999999999h", "99999999999999999999h", beyondGo("99999999999999999999h")],
    ["2562048h", "2562048h", beyondGo("2562048h")],
    ["1e3h", "1e3h", 'invalid request body: ttl must be a duration such as "30m", got "1e3h"'],
    ["a 1 MB ttl of 1h1h1h...", "1h".repeat(500_000), tooLong],
    ["a 1 MB ttl of digits", "9".repeat(1_000_000), tooLong],
  ])("answers 400 for %s and leaves the stack as it was", async (_, ttl, error) => {
    const { create, call, later } = app();
    const { body: stack } = await create();
    const answer = await call("POST", `/stacks/${stack.stack_id}/extend`, JSON.stringify({ ttl }));
    expect(answer).toEqual({ status: 400, body: { error } });
    const read = await later(stack.stack_id);
    expect(read.body).toMatchObject({ status: "creating", ttl_expires_at: stack.ttl_expires_at });
  });
});

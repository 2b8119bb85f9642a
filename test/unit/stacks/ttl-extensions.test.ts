import { describe, expect, it } from "bun:test";
import { SimulatedClock } from "xstate";
import type { ExpiryOutcome } from "../../../machines/stack.types.ts";
import type { LifetimeLimits } from "../../../machines/ttl-extension.ts";
import { silentLogger } from "../../../src/log/logger.ts";
import { PortAllocator } from "../../../src/ports/port-allocator.ts";
import { provideStackEffects } from "../../../src/stacks/provided-stack-machine.ts";
import { StackActors } from "../../../src/stacks/stack-actors.ts";
import { StackReads } from "../../../src/stacks/stack-reads.ts";
import type { StoredStack } from "../../../src/stacks/stack-record.ts";
import type { StackUpdate } from "../../../src/stacks/stack-update.ts";
import { TtlExtensions } from "../../../src/stacks/ttl-extensions.ts";
import { openDatabase } from "../../../src/store/database.ts";
import { StackStore } from "../../../src/store/stack-store.ts";
import { quietEffects, refusal } from "../../helpers/stack-fixtures.ts";

const minute = 60_000;
const hour = 60 * minute;
const createdAt = Date.parse("2026-11-28T20:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

const running: StoredStack = {
  stack_id: "stack-0123456789abcdef",
  pod_id: "stack-0123456789abcdef",
  namespace: "stacks",
  node_id: "stack-node-1",
  node_public_ip: null,
  pod_spec: "kind: Pod\n",
  target_port: 80,
  node_port: 31001,
  service_name: "svc-stack-0123456789abcdef",
  status: "running",
  status_reason: null,
  ttl_expires_at: iso(createdAt + 2 * hour),
  created_at: iso(createdAt),
  updated_at: iso(createdAt),
  requested_cpu_milli: 100,
  requested_memory_bytes: 134_217_728,
  ports: [{ container_port: 80, protocol: "TCP", node_port: 31001 }],
  labels: {},
  endpoints: [],
  acknowledged: true,
};

interface Options {
  limits?: Partial<LifetimeLimits>;
  /** What writing the expiry onto the Service does (by default it succeeds). */
  recordExpiry?: () => Promise<ExpiryOutcome | undefined>;
  /** Teardowns never finish, so a deleted stack stays deleting. */
  stuckTeardown?: boolean;
}

/** A running stack restored into real actors and reads, with the extension service over them. */
function world(options: Options = {}) {
  const clock = new SimulatedClock();
  clock.set(createdAt);
  const now = () => clock.now();
  const ports = new PortAllocator({ min: 31001, max: 31010 });
  ports.sync([], [{ port: 31001, stackId: running.stack_id }]);
  const teardowns: number[] = [];
  const written: Array<{ serviceName: string; expiresAt: string }> = [];
  const effects = quietEffects(async () => {
    teardowns.push(clock.now());
    if (options.stuckTeardown) await new Promise(() => {});
  });
  const machine = provideStackEffects(
    {
      ...effects,
      recordExpiry: async ({ identity, expiresAt }) => {
        const refused = await options.recordExpiry?.();
        if (refused) return refused;
        written.push({ serviceName: identity.serviceName, expiresAt: iso(expiresAt) });
        return { written: true };
      },
    },
    { now, schedulingTimeoutMs: 20_000 },
  );
  const store = new StackStore(openDatabase(":memory:"));
  const actors = new StackActors({ machine, store, ports, logger: silentLogger, now, clock });
  const reads = new StackReads(actors, () => ports.leasedCount());
  const updates: StackUpdate[] = [];
  actors.onUpdate((update) => updates.push(update));
  actors.restore([running]);
  const ttl = new TtlExtensions({
    actors,
    reads,
    defaultTtlMs: 2 * hour,
    limits: { maxLifetimeMs: null, renewWindowMs: null, ...options.limits },
    now,
  });
  return { clock, actors, reads, store, ttl, updates, written, teardowns };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("TtlExtensions.extend", () => {
  it("writes the new expiry to the Service, then re-arms the actor, stores the record and tells the stream", async () => {
    const { clock, ttl, store, updates, written, teardowns } = world();
    clock.set(createdAt + 90 * minute);
    const record = await ttl.extend(running.stack_id, hour);
    const expected = iso(createdAt + 150 * minute);
    expect(record.ttl_expires_at).toBe(expected);
    expect(written).toEqual([{ serviceName: running.service_name, expiresAt: expected }]);
    expect(store.load().stacks[0]?.ttl_expires_at).toBe(expected);
    const change = updates.at(-1);
    expect(change).toMatchObject({ kind: "changed", previousTtlExpiresAt: running.ttl_expires_at });
    clock.set(createdAt + 2 * hour);
    await flush();
    expect(teardowns).toEqual([]);
    clock.set(createdAt + 150 * minute);
    await flush();
    expect(teardowns).toEqual([createdAt + 150 * minute]);
  });

  it("extends by STACK_TTL from now when the request names no ttl", async () => {
    const { clock, ttl } = world();
    clock.set(createdAt + hour);
    expect((await ttl.extend(running.stack_id)).ttl_expires_at).toBe(iso(createdAt + 3 * hour));
  });

  it("answers the unchanged record, writing nothing, when the stack already lives longer", async () => {
    const { ttl, written } = world();
    const record = await ttl.extend(running.stack_id, 30 * minute);
    expect(record.ttl_expires_at).toBe(running.ttl_expires_at);
    expect(written).toEqual([]);
  });

  it("answers 404 for an unknown stack", async () => {
    const { ttl } = world();
    expect((await refusal(ttl.extend("stack-ffffffffffffffff", hour))).status).toBe(404);
  });

  it("answers 409 past STACK_MAX_LIFETIME, naming the latest expiry, and changes nothing", async () => {
    const { clock, ttl, written, reads } = world({ limits: { maxLifetimeMs: 3 * hour } });
    clock.set(createdAt + hour);
    const error = await refusal(ttl.extend(running.stack_id, 2 * hour + minute));
    expect(error.status).toBe(409);
    expect(error.message).toBe(
      `cannot extend past the stack's maximum lifetime: it may live until ${iso(createdAt + 3 * hour)}`,
    );
    expect(written).toEqual([]);
    expect(reads.get(running.stack_id)?.ttl_expires_at).toBe(running.ttl_expires_at);
  });

  it("answers 409 before STACK_RENEW_WINDOW opens", async () => {
    const { clock, ttl } = world({ limits: { renewWindowMs: 15 * minute } });
    clock.set(createdAt + hour);
    const error = await refusal(ttl.extend(running.stack_id, hour));
    expect(error.status).toBe(409);
    expect(error.message).toContain(`within 15m0s of its expiry, from ${iso(createdAt + 105 * minute)}`);
    clock.set(createdAt + 110 * minute);
    expect((await ttl.extend(running.stack_id, hour)).ttl_expires_at).toBe(iso(createdAt + 170 * minute));
  });

  it("answers 409 for a stack being deleted", async () => {
    const { actors, ttl } = world({ stuckTeardown: true });
    actors.requestDelete(running.stack_id);
    const error = await refusal(ttl.extend(running.stack_id, hour));
    expect(error.status).toBe(409);
    expect(error.message).toBe("stack is being deleted");
  });

  it("answers 503 and changes nothing when the Service cannot be written", async () => {
    const { clock, ttl, reads } = world({
      recordExpiry: async () => ({ refused: "unavailable", message: "x" }),
    });
    clock.set(createdAt + hour);
    expect((await refusal(ttl.extend(running.stack_id, 2 * hour))).status).toBe(503);
    expect(reads.get(running.stack_id)?.ttl_expires_at).toBe(running.ttl_expires_at);
  });

  it("runs one extension of a stack at a time, so the Service ends with the expiry the actor has", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    const { clock, ttl, written, reads } = world({
      recordExpiry: async () => {
        calls += 1;
        if (calls === 1) await gate;
        return undefined;
      },
    });
    clock.set(createdAt + hour);
    const longer = ttl.extend(running.stack_id, 3 * hour);
    const shorter = ttl.extend(running.stack_id, 2 * hour);
    release();
    await Promise.all([longer, shorter]);
    expect(written.map((entry) => entry.expiresAt)).toEqual([iso(createdAt + 4 * hour)]);
    expect(reads.get(running.stack_id)?.ttl_expires_at).toBe(iso(createdAt + 4 * hour));
  });
});

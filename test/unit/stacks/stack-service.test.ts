import { describe, expect, it } from "bun:test";
import { SimulatedClock } from "xstate";
import type {
  CreateFailure,
  PodFacts,
  ProvisionInput,
  ProvisionOutput,
} from "../../../machines/stack.types.ts";
import { nodePortExposure } from "../../../src/exposure/exposure-leases.ts";
import { silentLogger } from "../../../src/log/logger.ts";
import { PortAllocator } from "../../../src/ports/port-allocator.ts";
import { provideStackEffects } from "../../../src/stacks/provided-stack-machine.ts";
import { StackActors } from "../../../src/stacks/stack-actors.ts";
import { StackReads } from "../../../src/stacks/stack-reads.ts";
import type { StoredStack } from "../../../src/stacks/stack-record.ts";
import { type NewStack, StackService } from "../../../src/stacks/stack-service.ts";
import type { StackUpdate } from "../../../src/stacks/stack-update.ts";
import { openDatabase } from "../../../src/store/database.ts";
import { StackStore } from "../../../src/store/stack-store.ts";
import { quietEffects, refusal } from "../../helpers/stack-fixtures.ts";

const hour = 3_600_000;

const newStack: NewStack = {
  manifest: { apiVersion: "v1", kind: "Pod", spec: { containers: [{ name: "app", image: "nginx" }] } },
  podSpecYaml: "apiVersion: v1\nkind: Pod\n",
  ports: [{ containerPort: 80, protocol: "TCP" }],
  targetPort: 80,
  labels: {},
  requestedCpuMilli: 100,
  requestedMemoryBytes: 134_217_728,
};

const facts = (overrides: Partial<PodFacts>): PodFacts => ({
  exists: true,
  phase: "Pending",
  nodeName: null,
  ready: false,
  failureReason: null,
  unschedulableReason: null,
  ...overrides,
});

interface Scenario {
  /**
   * What the create's effects answer: a failure of the Pod, or the port its Service gets once the pod
   * is scheduled. By default the leased port, after which the pod is bound to stack-node-1.
   */
  provision?: (input: ProvisionInput, world: World) => Promise<ProvisionOutput>;
  teardown?: () => Promise<void>;
  portRange?: [number, number];
  store?: StackStore;
}

type World = ReturnType<typeof world>;

/** The service, actors and reads over an in-memory store, with scripted effects and a simulated clock. */
function world(scenario: Scenario = {}) {
  const clock = new SimulatedClock();
  clock.set(Date.parse("2026-11-28T20:00:00.000Z"));
  const now = () => clock.now();
  const store = scenario.store ?? new StackStore(openDatabase(":memory:"));
  const [min, max] = scenario.portRange ?? [31001, 31010];
  const ports = new PortAllocator({ min, max });
  ports.sync([]);
  const teardowns: string[] = [];
  const provisioned: ProvisionInput[] = [];
  const servicePorts = new Map<string, number[]>();
  const machine = provideStackEffects(
    {
      ...quietEffects(),
      provision: async (input) => {
        provisioned.push(input);
        const { stackId } = input.identity;
        if (!scenario.provision) bind(stackId);
        const answer = scenario.provision
          ? await scenario.provision(input, self)
          : { nodePorts: input.nodePorts };
        if ("failure" in answer) return answer;
        servicePorts.set(stackId, answer.nodePorts);
        return { created: true };
      },
      expose: async (input) => ({ nodePorts: servicePorts.get(input.identity.stackId) ?? input.nodePorts }),
      restoreService: async (input) => ({ nodePorts: input.nodePorts }),
      teardown: async ({ identity }) => {
        teardowns.push(identity.stackId);
        await scenario.teardown?.();
      },
    },
    { now, schedulingTimeoutMs: 20_000 },
  );
  const actors = new StackActors({ machine, store, ports, logger: silentLogger, now, clock });
  const reads = new StackReads(actors, () => ports.leasedCount());
  const service = new StackService({
    actors,
    reads,
    exposure: nodePortExposure(ports),
    namespace: "stacks",
    stackTtlMs: 2 * hour,
    createDeadlineMs: 25_000,
    deleteWaitMs: 2_000,
    now,
    clock: clock as never,
  });
  const updates: StackUpdate[] = [];
  actors.onUpdate((update) => updates.push(update));
  /** The scheduler binds the stack's pod (delivered as the pod watch would). */
  const bind = (stackId: string, node = "stack-node-1") =>
    queueMicrotask(() => actors.podChanged(stackId, facts({ nodeName: node }), "203.0.113.11"));
  const self = { clock, store, ports, actors, reads, service, updates, teardowns, provisioned, bind };
  return self;
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("StackService.create", () => {
  it("answers the record once the pod is scheduled, with node, public IP and leased port", async () => {
    const { service, store } = world();
    const record = await service.create(newStack);
    expect(record).toMatchObject({
      status: "creating",
      node_id: "stack-node-1",
      node_public_ip: "203.0.113.11",
      node_port: 31001,
      target_port: 80,
      created_at: "2026-11-28T20:00:00.000Z",
      ttl_expires_at: "2026-11-28T22:00:00.000Z",
    });
    expect(record).not.toHaveProperty("acknowledged");
    expect(store.load().stacks).toEqual([{ ...record, acknowledged: true }]);
  });

  it("hands provisioning the sanitised manifest itself, not a re-parse of its YAML", async () => {
    const { service, provisioned } = world();
    await service.create(newStack);
    expect(provisioned[0]?.manifest).toBe(newStack.manifest);
  });

  const failures: Array<[CreateFailure, number, string]> = [
    [
      { code: "limit_range", message: "maximum cpu usage per Container is 500m" },
      400,
      "limitrange violation: ",
    ],
    [{ code: "quota_exceeded", message: "exceeded quota: stacks" }, 503, "resource quota exceeded: "],
    [{ code: "invalid", message: "spec.containers[0].image: Required value" }, 400, "invalid pod spec: "],
    [{ code: "no_port", message: "no free nodePort after 10 attempts" }, 503, "no available nodeport"],
    [{ code: "not_schedulable", message: "pod not schedulable: 0/3 nodes" }, 503, "pod not schedulable: "],
    [{ code: "internal", message: "etcd timed out" }, 500, "internal server error"],
  ];
  for (const [failure, status, prefix] of failures) {
    it(`answers ${status} "${prefix}..." for a ${failure.code} failure, rolled back and released`, async () => {
      const { service, store, ports, teardowns, updates } = world({ provision: async () => ({ failure }) });
      const error = await refusal(service.create(newStack));
      expect(error.status).toBe(status);
      expect(error.message).toStartWith(prefix);
      expect(teardowns).toHaveLength(1);
      expect(ports.leasedCount()).toBe(0);
      expect(store.load().stacks).toEqual([]);
      expect(updates.at(-1)).toMatchObject({ kind: "removed", reason: failure.message });
    });
  }

  it("answers 500 when provisioning throws, and rolls back", async () => {
    const { service, teardowns } = world({ provision: () => Promise.reject(new Error("socket hang up")) });
    const error = await refusal(service.create(newStack));
    expect(error.code).toBe("INTERNAL");
    expect(teardowns).toHaveLength(1);
  });

  it("answers 503 pod not schedulable as soon as the scheduler says so, and rolls back", async () => {
    const { service, ports, teardowns } = world({
      provision: async (input, self) => {
        queueMicrotask(() =>
          self.actors.podChanged(
            input.identity.stackId,
            facts({ unschedulableReason: "Unschedulable: 0/3 nodes are available" }),
            null,
          ),
        );
        return { nodePorts: input.nodePorts };
      },
    });
    const error = await refusal(service.create(newStack));
    expect(error.message).toBe("pod not schedulable: Unschedulable: 0/3 nodes are available");
    expect(error.status).toBe(503);
    expect(teardowns).toHaveLength(1);
    expect(ports.leasedCount()).toBe(0);
  });

  it("answers a failed create after the delete wait even while its rollback hangs", async () => {
    const { service, clock, reads } = world({
      provision: async () => ({ failure: { code: "invalid", message: "spec.bogus: unknown field" } }),
      teardown: () => new Promise(() => {}),
    });
    const answer = refusal(service.create(newStack));
    await flush();
    clock.increment(2_000);
    expect((await answer).message).toBe("invalid pod spec: spec.bogus: unknown field");
    const stacks = JSON.parse(new TextDecoder().decode(reads.listBytes())).stacks;
    expect(stacks.map((stack: { status: string }) => stack.status)).toEqual(["failed"]);
  });

  it("answers 503 when the scheduler never reports within STACK_SCHEDULING_TIMEOUT", async () => {
    const { service, clock, ports } = world({ provision: async (input) => ({ nodePorts: input.nodePorts }) });
    const answer = refusal(service.create(newStack));
    await flush();
    clock.increment(20_000);
    const error = await answer;
    expect(error).toMatchObject({ status: 503, message: "pod was not scheduled in time" });
    await flush();
    expect(ports.leasedCount()).toBe(0);
  });

  it("answers 503 kubernetes unavailable at the create deadline while provisioning hangs, and rolls back", async () => {
    const { service, clock, teardowns } = world({ provision: () => new Promise(() => {}) });
    const answer = refusal(service.create(newStack));
    await flush();
    clock.increment(25_000);
    const error = await answer;
    expect(error).toMatchObject({ status: 503, message: "kubernetes unavailable: no answer within 25s" });
    await flush();
    expect(teardowns).toHaveLength(1);
  });

  it("answers 503 kubernetes unavailable when the API server cannot be reached", async () => {
    const { service } = world({
      provision: async () => ({ failure: { code: "unavailable", message: "connection refused" } }),
    });
    const error = await refusal(service.create(newStack));
    expect(error).toMatchObject({ status: 503, message: "kubernetes unavailable: connection refused" });
  });

  it("rolls back a create whose client went away, and never acknowledges it", async () => {
    const client = new AbortController();
    const { service, teardowns, store } = world({
      provision: async (input, self) => {
        client.abort();
        self.bind(input.identity.stackId);
        return { nodePorts: input.nodePorts };
      },
    });
    const error = await refusal(service.create(newStack, client.signal));
    expect(error.status).toBe(503);
    await flush();
    expect(teardowns).toHaveLength(1);
    expect(store.load().stacks).toEqual([]);
  });

  it("answers 409, not 500, to a forwarded create whose proposed id is in use, and keeps the stack that has it", async () => {
    const { service, actors, reads } = world();
    const first = await service.create({ ...newStack, stackId: "stack-0123456789abcdef" });
    const error = await refusal(service.create({ ...newStack, stackId: "stack-0123456789abcdef" }));
    expect(error.status).toBe(409);
    expect(error.message).toBe("stack id stack-0123456789abcdef is already in use");
    expect(actors.size).toBe(1);
    expect(reads.get("stack-0123456789abcdef")?.node_port).toBe(first.node_port);
  });

  it("answers 503 no available nodeport without starting an actor when the range is full", async () => {
    const { service, actors } = world({ portRange: [31001, 31001] });
    await service.create(newStack);
    const error = await refusal(service.create(newStack));
    expect(error.message).toBe("no available nodeport");
    expect(actors.size).toBe(1);
  });

  it("gives 500 concurrent creates 500 different ports while provisioning finishes in any order and some ports turn out taken", async () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const { service, ports } = world({
      portRange: [30000, 32767],
      provision: async (input, self) => {
        await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 5)));
        let [nodePort = -1] = input.nodePorts;
        // Every fifth stack meets a port taken outside stackd and leases another, as the retry loop does.
        if (random() < 0.2) nodePort = self.ports.replace(input.identity.stackId, nodePort) ?? -1;
        self.bind(input.identity.stackId);
        return { nodePorts: [nodePort] };
      },
    });
    const records = await Promise.all(Array.from({ length: 500 }, () => service.create(newStack)));
    const nodePorts = records.map((record) => record.node_port);
    expect(new Set(nodePorts).size).toBe(500);
    expect(nodePorts.every((port = 0) => port >= 30000 && port <= 32767)).toBe(true);
    expect(ports.leasedCount()).toBe(500);
  });

  it("announces the new stack before any other change of it", async () => {
    const { service, updates } = world();
    const record = await service.create(newStack);
    const own = updates.filter((update) => update.stack.stack_id === record.stack_id);
    expect(own[0]?.kind).toBe("created");
    expect(own.slice(1).every((update) => update.kind === "changed")).toBe(true);
  });
});

describe("StackService.delete", () => {
  it("tears down, releases the port and forgets the record, then answers", async () => {
    const { service, store, ports, reads, teardowns } = world();
    const { stack_id } = await service.create(newStack);
    await service.delete(stack_id);
    expect(teardowns).toEqual([stack_id]);
    expect(ports.leasedCount()).toBe(0);
    expect(store.load().stacks).toEqual([]);
    expect(reads.get(stack_id)).toBeUndefined();
  });

  it("answers 404 stack not found for an unknown stack", async () => {
    const { service } = world();
    const error = await refusal(service.delete("stack-ffffffffffffffff"));
    expect(error).toMatchObject({ status: 404, message: "stack not found" });
  });

  it("answers after the delete wait with the stack marked stopped while the teardown hangs", async () => {
    const { service, clock, reads } = world({ teardown: () => new Promise(() => {}) });
    const { stack_id } = await service.create(newStack);
    const deleted = service.delete(stack_id);
    await flush();
    clock.increment(2_000);
    await deleted;
    expect(reads.get(stack_id)?.status).toBe("stopped");
  });

  it("reads as stopped while the teardown is retried, and answers once it succeeds", async () => {
    let attempts = 0;
    const scenario = world({
      teardown: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error("API server unavailable");
      },
    });
    const { stack_id } = await scenario.service.create(newStack);
    const deleted = scenario.service.delete(stack_id);
    await flush();
    expect(scenario.reads.get(stack_id)?.status).toBe("stopped");
    scenario.clock.increment(1_999);
    await flush();
    expect(scenario.reads.get(stack_id)?.status).toBe("stopped");
    scenario.clock.increment(3_001);
    await deleted;
    await flush();
    expect(attempts).toBe(2);
    expect(scenario.reads.get(stack_id)).toBeUndefined();
  });
});

describe("StackActors persistence and restore", () => {
  it("stores a record only when one of its fields changed", async () => {
    const store = new StackStore(openDatabase(":memory:"));
    let saves = 0;
    const save = store.save.bind(store);
    store.save = (stack: StoredStack) => {
      saves += 1;
      save(stack);
    };
    const { service, actors, clock } = world({ store });
    const { stack_id } = await service.create(newStack);
    const before = saves;
    clock.increment(1_000);
    // A pod update that moves nothing (still starting) and another node's loss change no field.
    actors.podChanged(stack_id, facts({ nodeName: "stack-node-1" }), "203.0.113.11");
    actors.nodeDeleted("some-other-node");
    expect(saves).toBe(before);
    actors.podChanged(stack_id, facts({ nodeName: "stack-node-1", ready: true, phase: "Running" }), null);
    expect(saves).toBe(before + 1);
    // Once running, the pod's own status updates (a probe, a restart count) are not the record's news.
    clock.increment(1_000);
    actors.podChanged(stack_id, facts({ nodeName: "stack-node-1", ready: true, phase: "Running" }), null);
    expect(saves).toBe(before + 1);
  });

  it("expires a stack at its TTL: torn down, port released, removed with reason ttl_expired", async () => {
    const { service, clock, ports, updates, teardowns } = world();
    const { stack_id } = await service.create(newStack);
    clock.increment(2 * hour - 1);
    expect(teardowns).toEqual([]);
    clock.increment(1);
    await flush();
    expect(teardowns).toEqual([stack_id]);
    expect(ports.leasedCount()).toBe(0);
    expect(updates.at(-1)).toMatchObject({ kind: "removed", reason: "ttl_expired" });
  });

  it("restores stored stacks: running ones keep running, expired ones go at once, unacknowledged creates roll back", async () => {
    const first = world();
    const running = await first.service.create(newStack);
    first.actors.podChanged(
      running.stack_id,
      facts({ nodeName: "stack-node-1", ready: true, phase: "Running" }),
      null,
    );
    const expiring = await first.service.create(newStack);
    const stored = first.store.load().stacks;
    const unacknowledged: StoredStack = {
      ...(stored[0] as StoredStack),
      stack_id: "stack-00000000000000aa",
      status: "creating",
      node_id: "",
      acknowledged: false,
    };
    const expired: StoredStack = {
      ...(stored.find((stack) => stack.stack_id === expiring.stack_id) as StoredStack),
      ttl_expires_at: "2026-11-28T19:00:00.000Z",
    };
    const again = world();
    again.actors.restore([
      stored.find((s) => s.stack_id === running.stack_id) as StoredStack,
      expired,
      unacknowledged,
    ]);
    await flush(); // the restored actors are created in the background
    again.clock.increment(0); // a zero delay still waits for the (simulated) clock to move
    await flush();
    expect(again.reads.get(running.stack_id)?.status).toBe("running");
    expect(new Set(again.teardowns)).toEqual(new Set([expiring.stack_id, "stack-00000000000000aa"]));
    expect(again.actors.size).toBe(1);
  });

  it("saves records rebuilt from the cluster in the background, an actor's newer write taking their place", async () => {
    const portRange: [number, number] = [30000, 30099];
    const first = world({ portRange });
    const [kept, deleted] = await Promise.all([
      first.service.create(newStack),
      first.service.create(newStack),
    ]);
    if (!kept || !deleted) throw new Error("no stacks were created");
    const rebuilt = first.store.load().stacks;
    const again = world({ portRange });
    again.actors.restore(rebuilt, rebuilt);
    expect(again.store.load().stacks).toEqual([]);
    await flush();
    expect(
      again.store
        .load()
        .stacks.map((stack) => stack.stack_id)
        .sort(),
    ).toEqual([kept.stack_id, deleted.stack_id].sort());

    const later = world({ portRange });
    later.actors.restore(rebuilt, rebuilt);
    // A delete before the background write: the record written is the actor's, not the rebuilt one.
    later.actors.requestDelete(deleted.stack_id);
    const stored = later.store.load().stacks;
    expect(stored.find((stack) => stack.stack_id === deleted.stack_id)?.status).toBe("stopped");
    expect(stored.find((stack) => stack.stack_id === kept.stack_id)?.status).toBe("creating");
    await flush();
    expect(later.store.load().stacks.map((stack) => stack.stack_id)).toEqual([kept.stack_id]);
  });

  it("serves restored records before their actors exist, and creates an actor at once for what needs it", async () => {
    const portRange: [number, number] = [30000, 30999];
    const first = world({ portRange });
    const [deleted, told] = await Promise.all(
      Array.from({ length: 600 }, () => first.service.create(newStack)),
    );
    if (!deleted || !told) throw new Error("no stacks were created");
    const again = world({ portRange });
    again.actors.restore(first.store.load().stacks);
    // Every record reads at once; no actor exists yet, and none is needed to know that a stack exists.
    expect(again.actors.deferredCount).toBe(600);
    expect(again.reads.get(deleted.stack_id)?.status).toBe("creating");
    expect(again.actors.has(deleted.stack_id)).toBe(true);
    expect(again.actors.size).toBe(600);
    // Pod facts wait for the actor; a delete creates it on the spot.
    again.actors.podChanged(
      told.stack_id,
      facts({ nodeName: "stack-node-1", ready: true, phase: "Running" }),
      null,
    );
    expect(again.actors.requestDelete(deleted.stack_id)).toBe(true);
    expect(again.actors.deferredCount).toBe(599);
    await flush();
    expect(again.teardowns).toContain(deleted.stack_id);
    // The rest come in batches between turns of the event loop, the waiting pod facts delivered first.
    for (let turn = 0; turn < 10 && again.actors.deferredCount > 0; turn += 1) await flush();
    expect(again.actors.deferredCount).toBe(0);
    expect(again.reads.get(told.stack_id)?.status).toBe("running");
  });
});

describe("StackReads", () => {
  it("rebuilds the list body only after a change, and counts only creating and running stacks as active", async () => {
    const { service, reads, actors } = world();
    const a = await service.create(newStack);
    const b = await service.create(newStack);
    const body = reads.listBytes();
    expect(reads.listBytes()).toBe(body);
    actors.podChanged(
      b.stack_id,
      facts({ nodeName: "stack-node-1", phase: "Failed", failureReason: "boom" }),
      null,
    );
    expect(reads.listBytes()).not.toBe(body);
    const list = JSON.parse(new TextDecoder().decode(reads.listBytes())) as {
      stacks: Array<{ stack_id: string }>;
    };
    expect(list.stacks.map((stack) => stack.stack_id)).toEqual([a.stack_id, b.stack_id]);
    expect(reads.stats()).toEqual({
      total_stacks: 2,
      active_stacks: 1,
      node_distribution: { "stack-node-1": 1 },
      used_node_ports: 2,
      reserved_cpu_milli: 100,
      reserved_memory_bytes: 134_217_728,
    });
    expect(JSON.parse(reads.getJson(b.stack_id) ?? "{}").status_reason).toBe("boom");
  });
});

describe("when the store cannot be written (a full disk)", () => {
  /** A store whose writes fail while `full` is true, as SQLite does on a full disk. */
  function fullDisk() {
    const store = new StackStore(openDatabase(":memory:"));
    const state = { full: false };
    const save = store.save.bind(store);
    const remove = store.remove.bind(store);
    store.save = (stack: StoredStack) => {
      if (state.full) throw new Error("database or disk is full");
      save(stack);
    };
    store.remove = (stackId: string) => {
      if (state.full) throw new Error("database or disk is full");
      remove(stackId);
    };
    return { store, state };
  }

  it("answers creates 503 database unavailable, keeps serving reads, and never throws into an actor", async () => {
    const { store, state } = fullDisk();
    const scenario = world({ store });
    const kept = await scenario.service.create(newStack);
    state.full = true;
    const first = await refusal(scenario.service.create(newStack));
    expect(first).toMatchObject({ status: 503, message: "database unavailable: database or disk is full" });
    const second = await refusal(scenario.service.create(newStack));
    expect(second.status).toBe(503);
    expect(scenario.reads.get(kept.stack_id)?.status).toBe("creating");
    expect(scenario.actors.size).toBe(1);
  });

  // A create refused by a full disk answered 503 while its record read failed and its Pod stood.
  it("rolls back a create whose record cannot be written before answering 503: no record, Pod or leased port", async () => {
    const { store, state } = fullDisk();
    state.full = true;
    let clock: SimulatedClock | undefined;
    const scenario = world({
      store,
      teardown: () => new Promise((resolve) => clock?.setTimeout(resolve, 500)),
    });
    clock = scenario.clock;
    const answered = refusal(scenario.service.create(newStack)).then((error) => ({
      error,
      stacks: JSON.parse(new TextDecoder().decode(scenario.reads.listBytes())).stacks,
      leased: scenario.ports.leasedCount(),
      teardowns: [...scenario.teardowns],
    }));
    while (scenario.teardowns.length === 0) await flush();
    scenario.clock.increment(500);
    const answer = await answered;
    expect(answer.error).toMatchObject({
      status: 503,
      message: "database unavailable: database or disk is full",
    });
    expect(answer).toMatchObject({
      stacks: [],
      leased: 0,
      teardowns: [scenario.provisioned[0]?.identity.stackId],
    });
    expect(scenario.actors.size).toBe(0);
  });

  it("refuses a create while the disk is known to be full without making a Pod or leasing a port", async () => {
    const { store, state } = fullDisk();
    const scenario = world({ store });
    await scenario.service.create(newStack);
    state.full = true;
    scenario.clock.increment(1_000);
    scenario.actors.podChanged(
      scenario.provisioned[0]?.identity.stackId as string,
      facts({ nodeName: "stack-node-1", ready: true, phase: "Running" }),
      null,
    );
    expect(scenario.actors.storeProblem()).toBe("database or disk is full");
    const refused = await refusal(scenario.service.create(newStack));
    expect(refused).toMatchObject({ status: 503, message: "database unavailable: database or disk is full" });
    expect(scenario.provisioned).toHaveLength(1);
    expect(scenario.ports.leasedCount()).toBe(1);
    state.full = false;
    expect((await scenario.service.create(newStack)).status).toBe("creating");
  });

  it("writes what it could not once space returns, and takes creates again", async () => {
    const { store, state } = fullDisk();
    const scenario = world({ store });
    const kept = await scenario.service.create(newStack);
    state.full = true;
    scenario.clock.increment(1_000);
    scenario.actors.podChanged(
      kept.stack_id,
      facts({ nodeName: "stack-node-1", ready: true, phase: "Running" }),
      null,
    );
    expect(scenario.actors.storeProblem()).toBe("database or disk is full");
    state.full = false;
    scenario.clock.increment(2_000);
    expect(scenario.actors.storeProblem()).toBeNull();
    expect(store.load().stacks.map((stack) => stack.status)).toEqual(["running"]);
    expect((await scenario.service.create(newStack)).status).toBe("creating");
  });
});

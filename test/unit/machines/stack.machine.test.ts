import { describe, expect, it } from "bun:test";
import { createActor, fromPromise, SimulatedClock } from "xstate";
import { stackMachine, statusOf } from "../../../machines/stack.machine.ts";
import type {
  PodFacts,
  PodOutput,
  ProvisionInput,
  ProvisionOutput,
  StackIdentity,
  StackInput,
  StackResume,
} from "../../../machines/stack.types.ts";
import { testIdentity } from "../../helpers/stack-fixtures.ts";

const hour = 3_600_000;

const identity = testIdentity;

const pod = (facts: Partial<PodFacts>): PodFacts => ({
  exists: true,
  phase: "Pending",
  nodeName: null,
  ready: false,
  failureReason: null,
  unschedulableReason: null,
  ...facts,
});

interface Harness {
  provision?: (input: ProvisionInput) => Promise<PodOutput>;
  expose?: (input: ProvisionInput) => Promise<ProvisionOutput>;
  restoreService?: (input: ProvisionInput) => Promise<ProvisionOutput>;
  teardown?: () => Promise<void>;
  resume?: StackResume;
  manifest?: Record<string, unknown>;
  exposure?: StackIdentity["exposure"];
}

function start(harness: Harness = {}) {
  const clock = new SimulatedClock();
  const teardowns: string[] = [];
  const machine = stackMachine.provide({
    actors: {
      provisionResources: fromPromise(
        ({ input }: { input: ProvisionInput }): Promise<PodOutput> =>
          harness.provision ? harness.provision(input) : Promise.resolve({ created: true }),
      ),
      exposeService: fromPromise(
        ({ input }: { input: ProvisionInput }): Promise<ProvisionOutput> =>
          harness.expose ? harness.expose(input) : Promise.resolve({ nodePorts: input.nodePorts }),
      ),
      restoreService: fromPromise(
        ({ input }: { input: ProvisionInput }): Promise<ProvisionOutput> =>
          harness.restoreService
            ? harness.restoreService(input)
            : Promise.resolve({ nodePorts: input.nodePorts }),
      ),
      teardownResources: fromPromise(async () => {
        teardowns.push("teardown");
        await (harness.teardown ? harness.teardown() : Promise.resolve());
      }),
    },
    delays: {
      ttl: ({ context }) => Math.max(0, context.ttlExpiresAt - clock.now()),
      schedulingTimeout: () => 20_000,
      teardownRetry: () => 5_000,
    },
  });
  const input: StackInput = {
    identity: harness.exposure ? { ...identity, exposure: harness.exposure } : identity,
    nodePorts: [31001],
    ...(harness.resume ? { resume: harness.resume } : {}),
    ...(harness.manifest ? { manifest: harness.manifest } : {}),
  };
  const actor = createActor(machine, { input, clock });
  actor.start();
  const status = () => statusOf(actor.getSnapshot());
  return { actor, clock, teardowns, status };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("stackMachine", () => {
  it("goes creating → running as the pod is scheduled and becomes Ready", async () => {
    const { actor, status } = start();
    expect(status()).toBe("creating");
    await flush();
    expect(actor.getSnapshot().value).toEqual({ live: { creating: "scheduling" } });
    actor.send({
      type: "pod.changed",
      pod: pod({ nodeName: "stack-node-1" }),
      nodePublicIp: "203.0.113.11",
      at: 5,
    });
    await flush();
    expect(actor.getSnapshot().value).toEqual({ live: { creating: "starting" } });
    expect(actor.getSnapshot().context.nodeName).toBe("stack-node-1");
    expect(actor.getSnapshot().context.nodePublicIp).toBe("203.0.113.11");
    actor.send({
      type: "pod.changed",
      pod: pod({ nodeName: "stack-node-1", phase: "Running", ready: true }),
      nodePublicIp: "203.0.113.11",
      at: 9,
    });
    await flush();
    expect(status()).toBe("running");
    expect(actor.getSnapshot().context.updatedAt).toBe(9);
  });

  it("keeps the port the Service finally got when the first was taken", async () => {
    const { actor } = start({ expose: async () => ({ nodePorts: [31002] }) });
    await flush();
    actor.send({ type: "pod.changed", pod: pod({ nodeName: "n1" }), nodePublicIp: null, at: 1 });
    await flush();
    expect(actor.getSnapshot().context.nodePorts).toEqual([31002]);
  });

  it("creates the Service only once the pod is scheduled, and is not scheduled for the API before that", async () => {
    const exposed: number[] = [];
    const { actor } = start({
      expose: async (input) => {
        exposed.push(...input.nodePorts);
        return new Promise(() => {});
      },
    });
    await flush();
    expect(exposed).toEqual([]);
    actor.send({ type: "pod.changed", pod: pod({ nodeName: "n1" }), nodePublicIp: null, at: 1 });
    expect(actor.getSnapshot().value).toEqual({ live: { creating: "exposing" } });
    expect(actor.getSnapshot().hasTag("scheduled")).toBe(false);
    await flush();
    expect(exposed).toEqual([31001]);
  });

  it("rolls back the scheduled pod when its Service cannot be created", async () => {
    const failure = { code: "no_port" as const, message: "no available nodeport" };
    const { actor, teardowns } = start({ expose: async () => ({ failure }) });
    await flush();
    actor.send({ type: "pod.changed", pod: pod({ nodeName: "n1" }), nodePublicIp: null, at: 1 });
    await flush();
    await flush();
    expect(teardowns).toEqual(["teardown"]);
    expect(actor.getSnapshot().output).toEqual({ outcome: "aborted", failure });
  });

  it("rolls back and ends aborted with the classified failure when provisioning fails", async () => {
    const failure = { code: "limit_range" as const, message: "maximum cpu usage per Container is 500m" };
    const { actor, teardowns, status } = start({ provision: async () => ({ failure }) });
    await flush();
    await flush();
    expect(teardowns).toEqual(["teardown"]);
    expect(actor.getSnapshot().status).toBe("done");
    expect(actor.getSnapshot().output).toEqual({ outcome: "aborted", failure });
    expect(status()).toBe("failed");
  });

  it("gives up with not_schedulable when the pod is not scheduled in time", async () => {
    const { actor, clock } = start();
    await flush();
    actor.send({
      type: "pod.changed",
      pod: pod({ unschedulableReason: "0/3 nodes are available" }),
      nodePublicIp: null,
      at: 1,
    });
    await flush();
    clock.increment(20_000);
    await flush();
    expect(actor.getSnapshot().output).toEqual({
      outcome: "aborted",
      failure: { code: "not_schedulable", message: "pod not schedulable: 0/3 nodes are available" },
    });
  });

  it("fails with the pod's readable reason", async () => {
    const { actor, status } = start();
    await flush();
    actor.send({
      type: "pod.changed",
      pod: pod({ nodeName: "n1", failureReason: "ErrImagePull: image not found" }),
      nodePublicIp: null,
      at: 3,
    });
    await flush();
    expect(status()).toBe("failed");
    expect(actor.getSnapshot().context.reason).toBe("ErrImagePull: image not found");
  });

  it("stops when the pod completes successfully", async () => {
    const { actor, status } = start();
    await flush();
    actor.send({
      type: "pod.changed",
      pod: pod({ nodeName: "n1", phase: "Succeeded" }),
      nodePublicIp: null,
      at: 3,
    });
    await flush();
    expect(status()).toBe("stopped");
    expect(actor.getSnapshot().context.reason).toBe("completed");
  });

  it("becomes node_deleted when its node is deleted, and ignores other nodes", async () => {
    const { actor, status } = start();
    await flush();
    actor.send({
      type: "pod.changed",
      pod: pod({ nodeName: "n1", phase: "Running", ready: true }),
      nodePublicIp: null,
      at: 1,
    });
    await flush();
    actor.send({ type: "node.deleted", nodeName: "n2", at: 2 });
    expect(status()).toBe("running");
    actor.send({ type: "node.deleted", nodeName: "n1", at: 3 });
    expect(status()).toBe("node_deleted");
    expect(actor.getSnapshot().context.reason).toBe("node_deleted");
    actor.send({
      type: "pod.changed",
      pod: pod({ nodeName: "n1", phase: "Failed", failureReason: "PodGC" }),
      nodePublicIp: null,
      at: 4,
    });
    await flush();
    expect(status()).toBe("node_deleted");
  });

  it("marks a running stack failed when its pod is deleted behind stackd's back", async () => {
    const { actor, status } = start();
    await flush();
    actor.send({ type: "pod.changed", pod: pod({ nodeName: "n1", ready: true }), nodePublicIp: null, at: 1 });
    await flush();
    actor.send({ type: "pod.changed", pod: pod({ exists: false }), nodePublicIp: null, at: 2 });
    await flush();
    expect(status()).toBe("failed");
    expect(actor.getSnapshot().context.reason).toBe("pod was deleted outside stackd");
  });

  it("creates its Service again when it is deleted behind stackd's back, keeping a new port if it had to", async () => {
    const restored: number[] = [];
    const { actor, status } = start({
      restoreService: async (input) => {
        restored.push(...input.nodePorts);
        return { nodePorts: [31009] };
      },
    });
    await flush();
    actor.send({ type: "pod.changed", pod: pod({ nodeName: "n1", ready: true }), nodePublicIp: null, at: 1 });
    await flush();
    actor.send({ type: "service.gone", at: 2 });
    expect(actor.getSnapshot().value).toEqual({ live: { running: "restoringService" } });
    expect(status()).toBe("running");
    await flush();
    expect(restored).toEqual([31001]);
    expect(actor.getSnapshot().value).toEqual({ live: { running: "serving" } });
    expect(actor.getSnapshot().context.nodePorts).toEqual([31009]);
  });

  it("ignores a Service that disappears while the stack is being deleted", async () => {
    const { actor } = start({ teardown: () => new Promise(() => {}) });
    await flush();
    actor.send({ type: "pod.changed", pod: pod({ nodeName: "n1", ready: true }), nodePublicIp: null, at: 1 });
    await flush();
    actor.send({ type: "user.delete", at: 2 });
    actor.send({ type: "service.gone", at: 3 });
    expect(actor.getSnapshot().value).toBe("deleting");
  });

  it("tears down and is removed with reason ttl_expired when the TTL passes", async () => {
    const { actor, clock, teardowns } = start();
    await flush();
    actor.send({ type: "pod.changed", pod: pod({ nodeName: "n1", ready: true }), nodePublicIp: null, at: 1 });
    await flush();
    clock.increment(2 * hour - 1);
    expect(teardowns).toEqual([]);
    clock.increment(1);
    await flush();
    expect(teardowns).toEqual(["teardown"]);
    expect(actor.getSnapshot().output).toEqual({ outcome: "removed", reason: "ttl_expired" });
  });

  it("is removed with reason deleted on user.delete, retrying a teardown that failed", async () => {
    let attempts = 0;
    const { actor, clock } = start({
      teardown: async () => {
        attempts += 1;
        if (attempts === 1) throw new Error("API server unavailable");
      },
    });
    await flush();
    actor.send({ type: "user.delete", at: 10 });
    await flush();
    expect(actor.getSnapshot().value).toBe("teardownPaused");
    actor.send({ type: "user.delete", at: 11 });
    clock.increment(5_000);
    await flush();
    expect(attempts).toBe(2);
    expect(actor.getSnapshot().output).toEqual({ outcome: "removed", reason: "deleted" });
  });

  it("re-arms the TTL of a restored stack from its absolute expiry", async () => {
    const resume: StackResume = {
      status: "running",
      nodeName: "n1",
      nodePublicIp: null,
      reason: null,
      updatedAt: 5,
      acknowledged: true,
    };
    const { actor, clock, status } = start({ resume });
    expect(status()).toBe("running");
    clock.set(2 * hour);
    await flush();
    expect(actor.getSnapshot().output).toEqual({ outcome: "removed", reason: "ttl_expired" });
  });

  it("keeps the failure reason of a restored failed stack", () => {
    const resume: StackResume = {
      status: "failed",
      nodeName: "n1",
      nodePublicIp: null,
      reason: "containerFailed",
      updatedAt: 5,
      acknowledged: true,
    };
    const { actor, status } = start({ resume });
    expect(status()).toBe("failed");
    expect(actor.getSnapshot().context.reason).toBe("containerFailed");
  });

  it("rolls back a restored create that no client was ever told about", async () => {
    const resume: StackResume = {
      status: "creating",
      nodeName: null,
      nodePublicIp: null,
      reason: null,
      updatedAt: 5,
      acknowledged: false,
    };
    const { actor, teardowns } = start({ resume });
    await flush();
    expect(teardowns).toEqual(["teardown"]);
    expect(actor.getSnapshot().output).toEqual({
      outcome: "aborted",
      failure: { code: "internal", message: "stackd restarted during create" },
    });
  });

  it("resumes an acknowledged, scheduled create as starting", () => {
    const resume: StackResume = {
      status: "creating",
      nodeName: "n1",
      nodePublicIp: "203.0.113.11",
      reason: null,
      updatedAt: 5,
      acknowledged: true,
    };
    const { actor } = start({ resume });
    expect(actor.getSnapshot().value).toEqual({ live: { creating: "starting" } });
  });

  it("rolls back as internal when the provisioning actor throws instead of answering", async () => {
    const { actor, teardowns } = start({ provision: () => Promise.reject(new Error("socket hang up")) });
    await flush();
    await flush();
    expect(teardowns).toEqual(["teardown"]);
    expect(actor.getSnapshot().output).toEqual({
      outcome: "aborted",
      failure: { code: "internal", message: "socket hang up" },
    });
  });

  it("hands the manifest to the Pod and the Service and forgets it once the Service exists", async () => {
    const seen: unknown[] = [];
    const manifest = { kind: "Pod", spec: { containers: [] } };
    const { actor } = start({
      provision: async (input) => {
        seen.push(input.manifest);
        return { created: true };
      },
      expose: async (input) => {
        seen.push(input.manifest);
        return { nodePorts: input.nodePorts };
      },
      manifest,
    });
    expect(actor.getSnapshot().context.manifest).toBe(manifest);
    await flush();
    actor.send({ type: "pod.changed", pod: pod({ nodeName: "n1" }), nodePublicIp: null, at: 1 });
    await flush();
    expect(seen).toEqual([manifest, manifest]);
    expect(actor.getSnapshot().context.manifest).toBeNull();
  });

  it("tags only the states past scheduling as scheduled", async () => {
    const { actor } = start();
    await flush();
    expect(actor.getSnapshot().hasTag("scheduled")).toBe(false);
    actor.send({ type: "pod.changed", pod: pod({ nodeName: "n1" }), nodePublicIp: null, at: 1 });
    await flush();
    expect(actor.getSnapshot().hasTag("scheduled")).toBe(true);
    expect(statusOf(actor.getSnapshot())).toBe("creating");
  });

  it("reads as stopped while deleting and as failed while rolling back", async () => {
    const deleting = start({ teardown: () => new Promise(() => {}) });
    await flush();
    deleting.actor.send({ type: "user.delete", at: 1 });
    expect(deleting.status()).toBe("stopped");
    const rolling = start({
      provision: async () => ({ failure: { code: "quota_exceeded", message: "exceeded quota" } }),
      teardown: () => new Promise(() => {}),
    });
    await flush();
    expect(rolling.actor.getSnapshot().value).toBe("rollingBack");
    expect(rolling.status()).toBe("failed");
  });

  it("rolls back a restored running stack that no client was told about", async () => {
    const resume: StackResume = {
      status: "running",
      nodeName: "n1",
      nodePublicIp: null,
      reason: null,
      updatedAt: 5,
      acknowledged: false,
    };
    const { actor, teardowns } = start({ resume });
    await flush();
    expect(teardowns).toEqual(["teardown"]);
    expect(actor.getSnapshot().output).toMatchObject({ outcome: "aborted" });
  });

  it("rolls back on create.abandon even once the pod runs, keeping the given failure", async () => {
    const { actor, teardowns } = start();
    await flush();
    actor.send({
      type: "pod.changed",
      pod: pod({ nodeName: "n1", ready: true, phase: "Running" }),
      nodePublicIp: null,
      at: 1,
    });
    await flush();
    const failure = { code: "abandoned" as const, message: "the client went away" };
    actor.send({ type: "create.abandon", failure });
    await flush();
    expect(teardowns).toEqual(["teardown"]);
    expect(actor.getSnapshot().output).toEqual({ outcome: "aborted", failure });
  });

  it("gives up at once with not_schedulable when the scheduler reports the pod unschedulable", async () => {
    const { actor } = start({ teardown: () => new Promise(() => {}) });
    await flush();
    actor.send({
      type: "pod.changed",
      pod: pod({ unschedulableReason: "0/3 nodes are available" }),
      nodePublicIp: null,
      at: 1,
    });
    await flush();
    expect(actor.getSnapshot().value).toBe("rollingBack");
    expect(actor.getSnapshot().context.createFailure).toEqual({
      code: "not_schedulable",
      message: "pod not schedulable: 0/3 nodes are available",
    });
  });
});

describe("stackMachine and its exposure", () => {
  const runningPod = (actor: ReturnType<typeof start>["actor"]) => {
    actor.send({ type: "pod.changed", pod: pod({ nodeName: "n1" }), nodePublicIp: null, at: 1 });
    actor.send({
      type: "pod.changed",
      pod: pod({ nodeName: "n1", phase: "Running", ready: true, address: "10.0.0.7" }),
      nodePublicIp: null,
      at: 2,
    });
  };
  const edge = { mode: "edge" as const, hostname: "abcdefghijklm.inst.example.org", public_port: 443 };

  it("keeps a new edge stack creating, though its pod runs, until the edge routes it", async () => {
    const { actor, status } = start({ exposure: edge });
    await flush();
    runningPod(actor);
    await flush();
    expect(status()).toBe("creating");
    expect(actor.getSnapshot().context.pod?.address).toBe("10.0.0.7");
    actor.send({ type: "route.ready" });
    expect(status()).toBe("running");
  });

  it("runs a restored edge stack at once: the edge's replay routes it again", async () => {
    const resume = {
      status: "running" as const,
      nodeName: "n1",
      nodePublicIp: null,
      reason: null,
      updatedAt: 1,
      acknowledged: true,
    };
    const { status } = start({ exposure: edge, resume });
    await flush();
    expect(status()).toBe("running");
  });

  it("runs a gateway stack once its pod runs: its routes were made with its Service", async () => {
    const { actor, status } = start({ exposure: { ...edge, mode: "gateway" } });
    await flush();
    runningPod(actor);
    await flush();
    expect(status()).toBe("running");
  });

  it("fails a stack whose route the Gateway refused, with the Gateway's reason", async () => {
    const { actor, status } = start({ exposure: { ...edge, mode: "gateway" } });
    await flush();
    runningPod(actor);
    await flush();
    actor.send({
      type: "route.refused",
      reason: "route refused by the Gateway: TLSRoute r: NotAllowedByListeners",
      at: 3,
    });
    expect(status()).toBe("failed");
    expect(actor.getSnapshot().context.reason).toBe(
      "route refused by the Gateway: TLSRoute r: NotAllowedByListeners",
    );
    expect(actor.getSnapshot().context.updatedAt).toBe(3);
  });
});

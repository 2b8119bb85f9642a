import { describe, expect, it } from "bun:test";
import type { V1Pod, V1Service } from "@kubernetes/client-node";
import { ClusterSync, missingFrom } from "../../../src/cluster/cluster-sync.ts";
import { type OwnedObject, orphansOf, ownedMap } from "../../../src/cluster/owned-objects.ts";
import type { KubeClient } from "../../../src/kube/client.ts";
import { silentLogger } from "../../../src/log/logger.ts";
import type { PortAllocator } from "../../../src/ports/port-allocator.ts";

const createdAt = Date.parse("2025-01-01T12:00:00.000Z");
const grace = 60_000;

/** Timestamps as the API server's JSON carries them (the watch does not turn them into Dates). */
const timestamp = (ms: number) => new Date(ms).toISOString() as unknown as Date;

interface ObjectOptions {
  stackId?: string | undefined;
  created?: number;
  deleting?: boolean;
}

function metadataOf(name: string, { stackId, created = createdAt, deleting = false }: ObjectOptions) {
  return {
    name,
    namespace: "stacks",
    labels: {
      "app.kubernetes.io/managed-by": "stackd",
      ...(stackId === undefined ? {} : { "stackd.io/stack-id": stackId }),
    },
    creationTimestamp: timestamp(created),
    ...(deleting ? { deletionTimestamp: timestamp(created + 1_000) } : {}),
  };
}

function pod(name: string, options: ObjectOptions = {}): V1Pod {
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: metadataOf(name, { stackId: name, ...options }),
    spec: { containers: [{ name: "app", image: "nginx:stable", ports: [{ containerPort: 80 }] }] },
  };
}

function service(name: string, nodePorts: Array<number | undefined>, options: ObjectOptions = {}): V1Service {
  return {
    apiVersion: "v1",
    kind: "Service",
    metadata: metadataOf(name, { stackId: name.replace(/^svc-/, ""), ...options }),
    spec: {
      type: "NodePort",
      ports: nodePorts.map((nodePort, index) => ({
        name: `port-${index}`,
        port: 80 + index,
        ...(nodePort === undefined ? {} : { nodePort }),
      })),
    },
  };
}

function owned(stackId: string, overrides: Partial<OwnedObject> = {}): OwnedObject {
  return { stackId, createdAt, deleting: false, nodePorts: [], ...overrides };
}

describe("ownedMap", () => {
  it("keys each labelled object by name with its stack id and creation time", () => {
    const map = ownedMap([pod("stack-a"), pod("stack-b", { created: createdAt + 5_000 })]);
    expect([...map]).toEqual([
      ["stack-a", { stackId: "stack-a", createdAt, deleting: false, nodePorts: [] }],
      ["stack-b", { stackId: "stack-b", createdAt: createdAt + 5_000, deleting: false, nodePorts: [] }],
    ]);
  });

  it("ignores objects without the stack-id label", () => {
    const map = ownedMap([pod("stranger", { stackId: undefined }), pod("stack-a")]);
    expect([...map.keys()]).toEqual(["stack-a"]);
  });

  it("ignores objects with no labels at all", () => {
    const bare: V1Pod = { metadata: { name: "bare" }, spec: { containers: [] } };
    expect(ownedMap([bare]).size).toBe(0);
  });

  it("marks an object with a deletionTimestamp as deleting", () => {
    const map = ownedMap([pod("stack-a", { deleting: true }), pod("stack-b")]);
    expect(map.get("stack-a")?.deleting).toBe(true);
    expect(map.get("stack-b")?.deleting).toBe(false);
  });

  it("reads a creationTimestamp given as a Date as well as one given as a string", () => {
    const typed = pod("stack-a");
    typed.metadata = { ...typed.metadata, creationTimestamp: new Date(createdAt) };
    expect(ownedMap([typed]).get("stack-a")?.createdAt).toBe(createdAt);
  });

  it("collects a Service's nodePorts and skips ports without one", () => {
    const map = ownedMap([service("svc-stack-a", [31001, undefined, 31002])]);
    expect(map.get("svc-stack-a")).toEqual({
      stackId: "stack-a",
      createdAt,
      deleting: false,
      nodePorts: [31001, 31002],
    });
  });

  it("collects the nodePorts of a Service listed without its kind", () => {
    const { kind: _kind, ...listed } = service("svc-stack-a", [31005]);
    expect(ownedMap([listed]).get("svc-stack-a")?.nodePorts).toEqual([31005]);
  });

  it("gives a Pod no nodePorts, whatever its container ports", () => {
    expect(ownedMap([pod("stack-a")]).get("stack-a")?.nodePorts).toEqual([]);
  });
});

describe("orphansOf", () => {
  const cutoff = createdAt + grace;
  const noStacks = () => false;

  it("returns an object older than the cutoff whose stack is unknown", () => {
    const objects = new Map([["stack-a", owned("stack-a")]]);
    expect(orphansOf(objects, cutoff, noStacks)).toEqual([["stack-a", owned("stack-a")]]);
  });

  it("keeps an orphan younger than the grace", () => {
    const objects = new Map([["stack-a", owned("stack-a", { createdAt: cutoff + 1 })]]);
    expect(orphansOf(objects, cutoff, noStacks)).toEqual([]);
  });

  it("counts an object created exactly at the cutoff as old", () => {
    const objects = new Map([["stack-a", owned("stack-a", { createdAt: cutoff })]]);
    expect(orphansOf(objects, cutoff, noStacks).map(([name]) => name)).toEqual(["stack-a"]);
  });

  it("skips an object that is already being deleted", () => {
    const objects = new Map([["stack-a", owned("stack-a", { deleting: true })]]);
    expect(orphansOf(objects, cutoff, noStacks)).toEqual([]);
  });

  it("keeps an object whose stack exists", () => {
    const objects = new Map([
      ["stack-a", owned("stack-a")],
      ["stack-b", owned("stack-b")],
    ]);
    const asked: string[] = [];
    const hasStack = (stackId: string) => {
      asked.push(stackId);
      return stackId === "stack-a";
    };
    expect(orphansOf(objects, cutoff, hasStack).map(([name]) => name)).toEqual(["stack-b"]);
    expect(asked).toEqual(["stack-a", "stack-b"]);
  });

  it("looks the stack up by the label's stack id, not the object's name", () => {
    const objects = new Map([["svc-stack-a", owned("stack-a", { nodePorts: [31001] })]]);
    expect(orphansOf(objects, cutoff, (stackId) => stackId === "stack-a")).toEqual([]);
    expect(orphansOf(objects, cutoff, (stackId) => stackId === "svc-stack-a")).toEqual([
      ["svc-stack-a", owned("stack-a", { nodePorts: [31001] })],
    ]);
  });

  it("returns nothing for no objects", () => {
    expect(orphansOf(new Map(), cutoff, noStacks)).toEqual([]);
  });

  it("finds the orphans among the objects that ownedMap builds", () => {
    const objects = ownedMap([
      service("svc-stack-old", [31001]),
      service("svc-stack-young", [31002], { created: cutoff + 10 }),
      service("svc-stack-going", [31003], { deleting: true }),
      service("svc-stack-live", [31004]),
      service("svc-unlabelled", [31005], { stackId: undefined }),
    ]);
    const orphans = orphansOf(objects, cutoff, (stackId) => stackId === "stack-live");
    expect(orphans).toEqual([
      ["svc-stack-old", { stackId: "stack-old", createdAt, deleting: false, nodePorts: [31001] }],
    ]);
  });
});

describe("missingFrom", () => {
  it("returns the scheduled stacks whose id is not present, keeping their node names", () => {
    const scheduled = [
      { stackId: "stack-a", nodeName: "node-1" },
      { stackId: "stack-b", nodeName: "node-2" },
      { stackId: "stack-c", nodeName: null },
    ];
    expect(missingFrom(scheduled, new Set(["stack-b"]))).toEqual([
      { stackId: "stack-a", nodeName: "node-1" },
      { stackId: "stack-c", nodeName: null },
    ]);
  });

  it("returns nothing when every scheduled stack is present", () => {
    const scheduled = [{ stackId: "stack-a", nodeName: "node-1" }];
    expect(missingFrom(scheduled, new Set(["stack-a", "stack-z"]))).toEqual([]);
  });

  it("returns every scheduled stack when nothing is present", () => {
    const scheduled = [
      { stackId: "stack-a", nodeName: "node-1" },
      { stackId: "stack-b", nodeName: null },
    ];
    expect(missingFrom(scheduled, new Set())).toEqual(scheduled);
  });

  it("reads the stacks from a generator, as StackActors.scheduledStacks yields them", () => {
    function* scheduledStacks() {
      yield { stackId: "stack-a", nodeName: "node-1" };
      yield { stackId: "stack-b", nodeName: "node-2" };
    }
    expect(missingFrom(scheduledStacks(), new Set(["stack-a"]))).toEqual([
      { stackId: "stack-b", nodeName: "node-2" },
    ]);
  });
});

describe("ClusterSync.sweepPasses", () => {
  it("counts each finished orphan sweep, so that a test can wait for passes instead of sleeping", async () => {
    const sync = new ClusterSync({
      kube: { transport: { send: async () => ({}) } } as unknown as KubeClient,
      namespace: "stacks",
      instance: "default",
      actors: null,
      ports: {} as PortAllocator,
      logger: silentLogger,
      orphanGraceMs: grace,
      reconcileIntervalMs: 1_000,
    });
    expect(sync.sweepPasses()).toBe(0);
    await sync.sweepOrphans();
    await sync.sweepOrphans();
    expect(sync.sweepPasses()).toBe(2);
  });
});

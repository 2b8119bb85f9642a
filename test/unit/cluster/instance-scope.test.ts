import { describe, expect, it } from "bun:test";
import type { V1Pod } from "@kubernetes/client-node";
import { instanceSelector, ownedByInstance, scopeToInstance } from "../../../src/cluster/instance-scope.ts";
import { labelsFor } from "../../../src/cluster/stack-resources.ts";
import type { WatchEventType } from "../../../src/kube/watch.ts";

/** A pod of stackd's made by `instance`; `null` for one made before the instance label existed. */
function stackPod(name: string, instance: string | null): V1Pod {
  const labels = labelsFor(name, instance ?? "unused");
  if (instance === null) delete labels["stackd.io/instance"];
  return { metadata: { name, labels }, spec: { containers: [] } };
}

const stranger: V1Pod = { metadata: { name: "web", labels: { app: "web" } }, spec: { containers: [] } };

describe("labelsFor", () => {
  it("labels with the instance and keeps app.kubernetes.io/instance as the stack id", () => {
    expect(labelsFor("stack-1", "ctf-a")).toEqual({
      "app.kubernetes.io/managed-by": "stackd",
      "app.kubernetes.io/name": "stackd-stack",
      "app.kubernetes.io/instance": "stack-1",
      "stackd.io/stack-id": "stack-1",
      "stackd.io/instance": "ctf-a",
    });
  });
});

describe("instanceSelector", () => {
  it("selects a named instance's objects on the API server", () => {
    expect(instanceSelector("ctf-a")).toBe("app.kubernetes.io/managed-by=stackd,stackd.io/instance=ctf-a");
  });

  it("selects every stackd object for the default instance, which also owns unlabelled ones", () => {
    expect(instanceSelector("stackd")).toBe("app.kubernetes.io/managed-by=stackd");
  });
});

describe("ownedByInstance", () => {
  it.each([
    ["ctf-a", "ctf-a", true],
    ["ctf-a", "ctf-b", false],
    ["ctf-a", "stackd", false],
    ["stackd", "stackd", true],
    ["stackd", "ctf-a", false],
    ["stackd", null, true],
    ["ctf-a", null, false],
  ] as const)("instance %p owns an object labelled %p: %p", (instance, label, owned) => {
    expect(ownedByInstance(instance, stackPod("stack-1", label))).toBe(owned);
  });

  it("owns nothing that is not labelled as stackd's, whatever its instance label", () => {
    const foreign: V1Pod = { metadata: { name: "x", labels: { "stackd.io/instance": "stackd" } } };
    expect(ownedByInstance("stackd", foreign)).toBe(false);
    expect(ownedByInstance("stackd", stranger)).toBe(false);
    expect(ownedByInstance("stackd", { metadata: { name: "bare" } })).toBe(false);
  });
});

/** Scoped handlers that record what reaches them. */
function recorder(instance: string) {
  const synced: string[][] = [];
  const events: Array<[WatchEventType, string]> = [];
  const handlers = scopeToInstance<V1Pod>(instance, {
    onSync: (items) => synced.push(items.map((item) => item.metadata?.name ?? "")),
    onEvent: (type, object) => events.push([type, object.metadata?.name ?? ""]),
  });
  return { handlers, synced, events };
}

describe("scopeToInstance", () => {
  it("passes only the instance's objects to a relist", () => {
    const { handlers, synced } = recorder("ctf-a");
    handlers.onSync([
      stackPod("mine", "ctf-a"),
      stackPod("theirs", "ctf-b"),
      stackPod("old", null),
      stranger,
    ]);
    expect(synced).toEqual([["mine"]]);
  });

  it("gives the default instance its own objects and those without the label", () => {
    const { handlers, synced } = recorder("stackd");
    handlers.onSync([stackPod("mine", "stackd"), stackPod("theirs", "ctf-b"), stackPod("old", null)]);
    expect(synced).toEqual([["mine", "old"]]);
  });

  it("drops events of other instances' objects", () => {
    const { handlers, events } = recorder("stackd");
    handlers.onEvent("ADDED", stackPod("theirs", "ctf-b"));
    handlers.onEvent("MODIFIED", stackPod("theirs", "ctf-b"));
    handlers.onEvent("DELETED", stackPod("theirs", "ctf-b"));
    expect(events).toEqual([]);
  });

  it("forwards the instance's events as they come", () => {
    const { handlers, events } = recorder("ctf-a");
    handlers.onEvent("ADDED", stackPod("mine", "ctf-a"));
    handlers.onEvent("MODIFIED", stackPod("mine", "ctf-a"));
    handlers.onEvent("DELETED", stackPod("mine", "ctf-a"));
    expect(events).toEqual([
      ["ADDED", "mine"],
      ["MODIFIED", "mine"],
      ["DELETED", "mine"],
    ]);
  });

  it("turns an object relabelled to another instance into DELETED, once", () => {
    const { handlers, events } = recorder("stackd");
    handlers.onSync([stackPod("moved", null)]);
    handlers.onEvent("MODIFIED", stackPod("moved", "ctf-b"));
    handlers.onEvent("MODIFIED", stackPod("moved", "ctf-b"));
    expect(events).toEqual([["DELETED", "moved"]]);
  });

  it("forwards the API server's DELETED for an object that left a named instance's selector", () => {
    const { handlers, events } = recorder("ctf-a");
    handlers.onEvent("ADDED", stackPod("moved", "ctf-a"));
    handlers.onEvent("DELETED", stackPod("moved", "ctf-b"));
    expect(events).toEqual([
      ["ADDED", "moved"],
      ["DELETED", "moved"],
    ]);
  });

  it("forgets what a relist no longer returns", () => {
    const { handlers, events } = recorder("stackd");
    handlers.onSync([stackPod("gone", "stackd")]);
    handlers.onSync([]);
    handlers.onEvent("MODIFIED", stackPod("gone", "ctf-b"));
    expect(events).toEqual([]);
  });
});

import { describe, expect, it } from "bun:test";
import { createActor } from "xstate";
import { hostPortAllocatorMachine } from "../../../machines/host-port-allocator.machine.ts";

describe("hostPortAllocatorMachine", () => {
  it("never changes an earlier snapshot's context: each event copies what it changes", () => {
    const actor = createActor(hostPortAllocatorMachine, { input: { min: 7000, max: 7003 } }).start();
    actor.send({ type: "lease.request", stackId: "a", protocols: ["TCP"], candidates: ["node-a"] });
    const before = actor.getSnapshot().context;
    const copy = structuredClone(before);
    actor.send({ type: "lease.request", stackId: "b", protocols: ["TCP", "UDP"], candidates: ["node-a"] });
    actor.send({ type: "ports.held", held: [{ node: "node-a", protocol: "TCP", hostPort: 7003 }] });
    actor.send({
      type: "lease.adopt",
      stackId: "c",
      node: "node-a",
      entries: [{ protocol: "UDP", hostPort: 7002 }],
    });
    actor.send({ type: "lease.release", stackId: "a" });
    actor.send({ type: "node.deleted", node: "node-a" });
    expect(before).toEqual(copy);
    expect(actor.getSnapshot().context.nodes).toEqual({});
  });

  it("answers the last request only: a refused lease leaves lastGrant null", () => {
    const actor = createActor(hostPortAllocatorMachine, { input: { min: 7000, max: 7000 } }).start();
    actor.send({ type: "lease.request", stackId: "a", protocols: ["TCP"], candidates: ["node-a"] });
    expect(actor.getSnapshot().context.lastGrant).toEqual({
      stackId: "a",
      node: "node-a",
      hostPorts: [7000],
    });
    actor.send({ type: "lease.request", stackId: "b", protocols: ["TCP"], candidates: ["node-a"] });
    expect(actor.getSnapshot().context.lastGrant).toBeNull();
  });
});

import { describe, expect, it } from "bun:test";
import { createActor } from "xstate";
import { portAllocatorMachine } from "../../../machines/port-allocator.machine.ts";

function allocator(min: number, max: number) {
  const actor = createActor(portAllocatorMachine, { input: { min, max } });
  actor.start();
  const request = (stackId: string) => {
    actor.send({ type: "lease.request", stackId, count: 1 });
    return actor.getSnapshot().context.lastGrant?.ports[0] ?? null;
  };
  const requestMany = (stackId: string, count: number) => {
    actor.send({ type: "lease.request", stackId, count });
    return actor.getSnapshot().context.lastGrant?.ports ?? null;
  };
  return { actor, request, requestMany };
}

describe("portAllocatorMachine", () => {
  it("hands out distinct ports in order", () => {
    const { request } = allocator(31001, 31003);
    expect([request("a"), request("b"), request("c")]).toEqual([31001, 31002, 31003]);
  });

  it("leases an adopted stack the ports its Service holds, taken or not, and frees them with it", () => {
    const { actor, request } = allocator(31001, 31002);
    actor.send({ type: "ports.taken", ports: [31001] });
    actor.send({ type: "lease.adopt", stackId: "adopted", ports: [31001, 31002] });
    expect(request("new")).toBeNull();
    actor.send({ type: "lease.release", stackId: "adopted" });
    expect(request("new")).toBe(31001);
  });

  it("answers null when the range is exhausted", () => {
    const { request } = allocator(31001, 31001);
    expect(request("a")).toBe(31001);
    expect(request("b")).toBeNull();
  });

  it("gives a stack that already holds a lease the same port again", () => {
    const { request } = allocator(31001, 31005);
    expect(request("a")).toBe(31001);
    expect(request("a")).toBe(31001);
  });

  it("never hands out ports used by other Services, nor ports leased before a restart", () => {
    const { actor, request } = allocator(31001, 31004);
    actor.send({ type: "ports.sync", taken: [31001, 30080], leases: [{ port: 31002, stackId: "old" }] });
    expect(request("new")).toBe(31003);
    expect(request("newer")).toBe(31004);
    expect(request("newest")).toBeNull();
  });

  it("adds ports found in use after a sync as taken, keeping every lease made meanwhile", () => {
    const { actor, request } = allocator(31001, 31004);
    actor.send({ type: "ports.sync", taken: [], leases: [{ port: 31001, stackId: "old" }] });
    expect(request("meanwhile")).toBe(31002);
    // The cluster-wide list ran before that lease: it names 31002 too, and 31003 of another Service.
    actor.send({ type: "ports.taken", ports: [31001, 31002, 31003] });
    const { leases, taken } = actor.getSnapshot().context;
    expect(leases).toEqual({ 31001: "old", 31002: "meanwhile" });
    expect(taken).toEqual({ 31003: true });
    expect(request("next")).toBe(31004);
  });

  it("reuses a released port only after the rest of the range", () => {
    const { actor, request } = allocator(31001, 31003);
    request("a");
    actor.send({ type: "lease.release", stackId: "a" });
    expect(request("b")).toBe(31002);
    expect(request("c")).toBe(31003);
    expect(request("d")).toBe(31001);
  });

  it("replaces a lease whose port turned out to be taken, and never offers that port again", () => {
    const { actor, request } = allocator(31001, 31002);
    expect(request("a")).toBe(31001);
    actor.send({ type: "lease.replace", stackId: "a", port: 31001 });
    expect(actor.getSnapshot().context.lastGrant).toEqual({ stackId: "a", ports: [31002] });
    actor.send({ type: "lease.release", stackId: "a" });
    expect(request("b")).toBe(31002);
    expect(request("c")).toBeNull();
  });

  it("leases several ports to one stack at once, and all of them again to the same stack", () => {
    const { requestMany } = allocator(31001, 31010);
    expect(requestMany("a", 3)).toEqual([31001, 31002, 31003]);
    expect(requestMany("a", 3)).toEqual([31001, 31002, 31003]);
    expect(requestMany("b", 2)).toEqual([31004, 31005]);
  });

  it("leases all the ports asked for or none: 24 asked with 10 free leases nothing", () => {
    const { actor, requestMany, request } = allocator(31001, 31010);
    expect(requestMany("big", 24)).toBeNull();
    expect(actor.getSnapshot().context.leases).toEqual({});
    expect(actor.getSnapshot().context.portOf).toEqual({});
    expect(requestMany("fits", 10)).toHaveLength(10);
    expect(request("more")).toBeNull();
  });

  it("replaces one port of a multi-port lease in place and releases every port at once", () => {
    const { actor, requestMany } = allocator(31001, 31006);
    expect(requestMany("a", 3)).toEqual([31001, 31002, 31003]);
    actor.send({ type: "lease.replace", stackId: "a", port: 31002 });
    expect(actor.getSnapshot().context.portOf.a).toEqual([31001, 31004, 31003]);
    actor.send({ type: "lease.release", stackId: "a" });
    expect(actor.getSnapshot().context.leases).toEqual({});
    expect(requestMany("b", 6)).toBeNull();
    expect(requestMany("c", 5)).toHaveLength(5);
  });

  it("learns multi-port leases from records at sync", () => {
    const { actor, requestMany } = allocator(31001, 31004);
    actor.send({
      type: "ports.sync",
      taken: [],
      leases: [
        { port: 31001, stackId: "old" },
        { port: 31003, stackId: "old" },
      ],
    });
    expect(actor.getSnapshot().context.portOf.old).toEqual([31001, 31003]);
    expect(requestMany("new", 2)).toEqual([31002, 31004]);
  });

  // Requests reach the machine one event at a time, so "concurrent" requests are these in a row; what
  // can break is a port given twice, or a released port lost, when the range fills up.
  it("holds 500 leases on 500 distinct ports of a 500-port range, releases included, then answers null", () => {
    const { actor, request } = allocator(31000, 31499);
    const held = new Map<string, number | null>();
    for (let index = 0; index < 250; index += 1) held.set(`s${index}`, request(`s${index}`));
    for (let index = 0; index < 100; index += 1) {
      actor.send({ type: "lease.release", stackId: `s${index}` });
      held.delete(`s${index}`);
    }
    for (let index = 250; index < 600; index += 1) held.set(`s${index}`, request(`s${index}`));
    const ports = [...held.values()];
    expect(ports).not.toContain(null);
    expect(new Set(ports).size).toBe(500);
    expect(request("one-too-many")).toBeNull();
  });
});

import { describe, expect, it } from "bun:test";
import {
  formatRouteValue,
  isEdgeHostname,
  isRouteTarget,
  parseRouteValue,
} from "../../../src/exposure/edge/edge-route.ts";
import { diffRoutes } from "../../../src/exposure/edge/route-diff.ts";
import { parseRuntimeApiAddress } from "../../../src/exposure/edge/runtime-api-address.ts";

describe("edge hostnames and targets", () => {
  it.each([
    ["abc-123.inst.stackd.test", true],
    ["a.b", true],
    ["ABC.inst.stackd.test", false],
    ["a b.inst", false],
    ["a;show info", false],
    ["-a.inst", false],
    ["", false],
  ])("hostname %j is valid: %p", (hostname, valid) => {
    expect(isEdgeHostname(hostname)).toBe(valid);
  });

  it.each([
    [{ address: "10.0.0.7", port: 1337 }, true],
    [{ address: "fd00::7", port: 80 }, true],
    [{ address: "pod.example", port: 80 }, false],
    [{ address: "10.0.0.7", port: 0 }, false],
    [{ address: "10.0.0.7", port: 65536 }, false],
  ])("target %j is valid: %p", (target, valid) => {
    expect(isRouteTarget(target)).toBe(valid);
  });

  it("writes a target as <address>/<port> and reads it back, IPv6 included", () => {
    for (const target of [
      { address: "10.0.0.7", port: 1337 },
      { address: "fd00::7", port: 80 },
    ]) {
      expect(parseRouteValue(formatRouteValue(target))).toEqual(target);
    }
    expect(formatRouteValue({ address: "10.0.0.7", port: 1337 })).toBe("10.0.0.7/1337");
  });

  it.each(["10.0.0.7", "10.0.0.7:80", "10.0.0.7/80/1", "x/80", "10.0.0.7/port"])(
    "reads %j as no target",
    (value) => {
      expect(parseRouteValue(value)).toBeUndefined();
    },
  );
});

describe("runtime API addresses", () => {
  it.each([
    ["127.0.0.1:9999", { kind: "tcp", host: "127.0.0.1", port: 9999 }],
    ["haproxy.edge.svc:9999", { kind: "tcp", host: "haproxy.edge.svc", port: 9999 }],
    ["[::1]:9999", { kind: "tcp", host: "::1", port: 9999 }],
    ["unix:/run/haproxy/admin.sock", { kind: "unix", path: "/run/haproxy/admin.sock" }],
  ])("reads %j", (address, endpoint) => {
    expect(parseRuntimeApiAddress(address)).toEqual(endpoint as never);
  });

  it.each(["127.0.0.1", "127.0.0.1:0", "127.0.0.1:70000", "unix:relative.sock", "ipv4@127.0.0.1:9999", ""])(
    "refuses %j, naming it and the allowed forms",
    (address) => {
      expect(() => parseRuntimeApiAddress(address)).toThrow(`${JSON.stringify(address)}: expected host:port`);
    },
  );
});

describe("diffRoutes", () => {
  const a = { address: "10.0.0.1", port: 80 };
  const b = { address: "10.0.0.2", port: 80 };

  it("adds the new, rewrites the changed, removes the unwanted, leaves the equal alone", () => {
    const desired = new Map([
      ["new", a],
      ["changed", b],
      ["same", a],
    ]);
    const applied = new Map([
      ["changed", a],
      ["same", { ...a }],
      ["unwanted", a],
    ]);
    expect(diffRoutes(desired, applied, 100)).toEqual({
      upserts: [
        ["new", a],
        ["changed", b],
      ],
      removals: ["unwanted"],
      truncated: false,
    });
  });

  it("takes removals first and stops at the limit, saying more remain", () => {
    const desired = new Map([
      ["x", a],
      ["y", a],
    ]);
    const applied = new Map([
      ["gone-1", a],
      ["gone-2", a],
    ]);
    expect(diffRoutes(desired, applied, 3)).toEqual({
      upserts: [["x", a]],
      removals: ["gone-1", "gone-2"],
      truncated: true,
    });
  });

  it("answers nothing to do for equal tables", () => {
    expect(diffRoutes(new Map([["x", a]]), new Map([["x", { ...a }]]), 1)).toEqual({
      upserts: [],
      removals: [],
      truncated: false,
    });
  });
});

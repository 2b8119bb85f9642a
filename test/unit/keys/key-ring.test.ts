import { describe, expect, it, spyOn } from "bun:test";
import * as crypto from "node:crypto";
import { timingSafeEqual } from "node:crypto";
import { KeyRing } from "../../../src/keys/key-ring.ts";

const keys = [
  { name: "platform", key: "platform-key-0123456789" },
  { name: "ops", key: "ops-key-abcdefghijklmnop" },
];

/** timingSafeEqual, recording each comparison's operands. */
function recordingComparison() {
  const calls: Array<[Buffer, Buffer]> = [];
  const equal = (a: Buffer, b: Buffer) => {
    calls.push([a, b]);
    return timingSafeEqual(a, b);
  };
  return { calls, equal };
}

describe("KeyRing", () => {
  it("answers the name of the key presented, with several keys valid at once", () => {
    const ring = new KeyRing(keys);
    expect(ring.match("platform-key-0123456789")).toBe("platform");
    expect(ring.match("ops-key-abcdefghijklmnop")).toBe("ops");
  });

  it("answers null for a wrong, a prefix of a, an empty or no key", () => {
    const ring = new KeyRing(keys);
    for (const candidate of ["wrong", "platform-key-012345678", "platform-key-01234567890", "", null])
      expect(ring.match(candidate)).toBeNull();
  });

  it("compares equal-length digests with every key, even after a match (constant time)", () => {
    const comparison = recordingComparison();
    const ring = new KeyRing(keys, { equal: comparison.equal });
    expect(ring.match("platform-key-0123456789")).toBe("platform");
    expect(ring.match("x")).toBeNull();
    expect(comparison.calls).toHaveLength(4);
    for (const [presented, expected] of comparison.calls) {
      expect(presented.length).toBe(32);
      expect(expected.length).toBe(32);
    }
  });

  it("uses node's timingSafeEqual unless told otherwise", () => {
    const spy = spyOn(crypto, "timingSafeEqual");
    try {
      expect(new KeyRing(keys).match("ops-key-abcdefghijklmnop")).toBe("ops");
      expect(spy).toHaveBeenCalledTimes(2);
    } finally {
      spy.mockRestore();
    }
  });

  it("replaces the whole set at once: a removed key stops matching, a new one starts", () => {
    const ring = new KeyRing(keys);
    ring.replace([{ name: "platform-2", key: "platform-key-rotated-999" }]);
    expect(ring.match("platform-key-0123456789")).toBeNull();
    expect(ring.match("platform-key-rotated-999")).toBe("platform-2");
    expect(ring.names()).toEqual(["platform-2"]);
  });
});

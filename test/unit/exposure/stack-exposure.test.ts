import { describe, expect, it } from "bun:test";
import { newSlug, slugBits } from "../../../src/exposure/stack-exposure.ts";

describe("newSlug", () => {
  it("is 13 characters of [a-z2-7] carrying 65 bits", () => {
    expect(slugBits).toBe(65);
    for (let draw = 0; draw < 1000; draw += 1) expect(newSlug()).toMatch(/^[a-z2-7]{13}$/);
  });

  it("uses all 65 bits: all-zero and all-one bytes give the two ends of the alphabet", () => {
    expect(newSlug((bytes) => new Uint8Array(bytes))).toBe("aaaaaaaaaaaaa");
    expect(newSlug((bytes) => new Uint8Array(bytes).fill(255))).toBe("7777777777777");
  });

  it("draws no slug twice over 100k draws", () => {
    const drawn = new Set<string>();
    for (let draw = 0; draw < 100_000; draw += 1) drawn.add(newSlug());
    expect(drawn.size).toBe(100_000);
  });
});
